"""Finding record ids through the control API and the CLI, so a change can be scripted without code."""

import json

from mira.sandbox.models import Activity, Matter, SandboxUser
from tests.sandbox_control.helpers import control
from tests.sandbox_control.test_cli import run_cli


def test_matter_list_filters_by_query(sandbox):
    matter = Matter.objects.order_by("id").first()
    with control(sandbox.base_url) as http:
        response = http.get("/matters", params={"query": matter.display_number})
    assert response.status_code == 200, response.text
    body = response.json()
    assert matter.id in [record["id"] for record in body["data"]]
    assert all(matter.display_number in record["display_number"] for record in body["data"])
    assert body["limit"] == 50


def test_matter_list_filters_by_status(sandbox):
    with control(sandbox.base_url) as http:
        response = http.get("/matters", params={"status": "pending"})
    body = response.json()
    assert body["total"] == Matter.objects.filter(status="Pending").count()
    assert {record["status"] for record in body["data"]} == {"Pending"}
    assert len(body["data"]) == min(50, body["total"])


def test_matter_list_bad_status_is_400(sandbox):
    with control(sandbox.base_url) as http:
        response = http.get("/matters", params={"status": "archived"})
    assert response.status_code == 400
    assert "'archived'" in response.json()["error"]["message"]


def test_user_list_hides_password(sandbox):
    with control(sandbox.base_url) as http:
        response = http.get("/users", params={"query": "amelia"})
    records = response.json()["data"]
    assert [record["email"] for record in records] == ["amelia.ortiz@harborvale.test"]
    user = SandboxUser.objects.get(email="amelia.ortiz@harborvale.test")
    assert user.password_hash not in response.text


def test_activity_list_by_matter(sandbox):
    activity = Activity.objects.order_by("id").first()
    with control(sandbox.base_url) as http:
        response = http.get("/activities", params={"matter_id": activity.matter_id})
    body = response.json()
    assert body["total"] == Activity.objects.filter(matter_id=activity.matter_id).count()
    assert activity.id in [record["id"] for record in body["data"]]


def test_cli_matter_list(sandbox):
    result = run_cli(sandbox.base_url, "matter", "list", "--status", "closed")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)["data"]
    assert records
    assert {record["status"] for record in records} == {"Closed"}
