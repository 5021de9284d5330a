"""`mira sandbox-control` run as a subprocess against a sandbox running in the test process."""

import json
import os
import socket
import subprocess
import sys

import httpx

from mira.sandbox.models import Activity, Matter
from tests.sandbox.helpers import connect
from tests.sandbox_control.helpers import first_matter


def run_cli(base_url: str, *args: str, key: str | None = None) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MIRA_SANDBOX_CONTROL")}
    command = [sys.executable, "-m", "mira.cli", "sandbox-control", "--url", base_url]
    if key:
        command += ["--key", key]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=60, env=environment)


def test_cli_matter_close(sandbox):
    matter = first_matter()
    result = run_cli(sandbox.base_url, "matter", "close", str(matter.id))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["data"]["status"] == "Closed"
    matter.refresh_from_db()
    assert matter.status == "Closed"


def test_cli_matter_create(sandbox):
    client_id = Matter.objects.order_by("id").first().client_id
    result = run_cli(sandbox.base_url, "matter", "create", "--client-id", str(client_id), "--description", "From the CLI")
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)["data"]
    assert Matter.objects.get(pk=created["id"]).description == "From the CLI"


def test_cli_activity_edit(sandbox):
    activity = Activity.objects.order_by("id").first()
    result = run_cli(sandbox.base_url, "activity", "edit", str(activity.id), "--quantity", "5400", "--note", "CLI edit")
    assert result.returncode == 0, result.stderr
    activity.refresh_from_db()
    assert (activity.quantity, activity.note) == (5400, "CLI edit")


def test_cli_fault_add_and_observe(sandbox):
    token = connect(sandbox.base_url).access_token
    result = run_cli(sandbox.base_url, "fault", "add", "--path", "/api/v4/matters.json", "--script", "429,429,ok")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["data"]["script"] == [429, 429, "ok"]

    headers = {"Authorization": f"Bearer {token}"}
    statuses = [httpx.get(sandbox.base_url + "/api/v4/matters.json", headers=headers, params={"limit": 1}).status_code
                for _ in range(3)]
    assert statuses == [429, 429, 200]

    listed = run_cli(sandbox.base_url, "fault", "list")
    assert json.loads(listed.stdout)["data"][0]["served"] == 3
    stats = run_cli(sandbox.base_url, "stats")
    assert json.loads(stats.stdout)["endpoints"]["GET /api/v4/matters.json"]["statuses"] == {"429": 2, "200": 1}
    cleared = run_cli(sandbox.base_url, "fault", "clear")
    assert json.loads(cleared.stdout) == {"cleared": 1}


def test_cli_error_exit_status(sandbox):
    result = run_cli(sandbox.base_url, "matter", "close", "1")
    assert result.returncode == 1
    assert "HTTP 404" in result.stderr
    assert "Matter 1 not found" in result.stderr


def test_cli_key(sandbox, settings):
    settings.MIRA_SANDBOX_CONTROL_KEY = "cli-key"
    refused = run_cli(sandbox.base_url, "stats")
    accepted = run_cli(sandbox.base_url, "stats", key="cli-key")
    assert refused.returncode == 1
    assert "HTTP 403" in refused.stderr
    assert accepted.returncode == 0, accepted.stderr


def test_cli_unreachable_sandbox():
    # A port bound and released here has no listener, so the connection is refused.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_cli(f"http://127.0.0.1:{port}", "stats")
    assert result.returncode == 1
    assert "Could not reach the sandbox" in result.stderr


def test_cli_bad_random_probability(sandbox):
    result = run_cli(sandbox.base_url, "fault", "add", "--path", "/api/v4/*", "--random", "429=often")
    assert result.returncode == 2
    assert "--random item '429=often' is invalid" in result.stderr
