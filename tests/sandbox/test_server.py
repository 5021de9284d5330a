"""The sandbox server process: its own middleware chain and a clean stop on SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from mira.sandbox.server import SandboxWSGIHandler

ROOT = Path(__file__).resolve().parents[2]


def test_handler_ignores_portal_middleware():
    handler = SandboxWSGIHandler()
    chain = handler._middleware_chain
    names = []
    while hasattr(chain, "__wrapped__") or hasattr(chain, "get_response"):
        target = getattr(chain, "__wrapped__", chain)
        names.append(type(target).__name__)
        chain = getattr(target, "get_response", None)
        if chain is None:
            break
    assert "SessionMiddleware" not in names
    assert "CsrfViewMiddleware" not in names
    assert names[:2] == ["SandboxUrlconfMiddleware", "CommonMiddleware"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_stops_on_sigterm():
    port = free_port()
    code = f"import django; django.setup(); from mira.sandbox.server import serve; serve('127.0.0.1', {port})"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "sandbox did not start within 20 s"
                time.sleep(0.2)
        assert response.status_code == 200
        assert "Developer Portal" in response.text

        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert f"Clio sandbox listening on http://127.0.0.1:{port}" in stderr
    assert "stopped" in stderr
