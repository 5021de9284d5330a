"""Data changes made through the control API reach webhook subscribers."""

import datetime
import http.server
import json
import threading
from collections.abc import Iterator

import pytest
from django.utils import timezone

from mira.sandbox import webhook_delivery
from mira.sandbox.models import DeveloperApp, SandboxUser, Webhook
from tests.sandbox_control.helpers import control, first_matter


class Receiver(http.server.BaseHTTPRequestHandler):
    bodies: list[dict] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        Receiver.bodies.append(json.loads(self.rfile.read(length) or b"{}"))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.bodies = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def subscribe(url: str, events: list[str]) -> Webhook:
    owner = SandboxUser.objects.get(account_owner=True)
    app = DeveloperApp.objects.create(
        owner=owner, name="Hooks", website_url="https://hooks.example.test", redirect_uris=[],
        permissions={"matters": "read", "api": "read_write"}, client_id="hooks-app", client_secret="hooks-secret",
    )
    now = timezone.now()
    return Webhook.objects.create(
        id=4_200_001, app=app, user=owner, url=url, model="matter", fields="id,status", events=events,
        status="enabled", shared_secret="s" * 32, expires_at=now + datetime.timedelta(days=1),
        created_at=now, updated_at=now,
    )


def test_matter_close_sends_webhooks(sandbox, receiver):
    subscribe(receiver, ["updated", "matter_closed"])
    matter = first_matter("Open")
    with control(sandbox.base_url) as http:
        response = http.post(f"/matters/{matter.id}/close")
    assert response.status_code == 200
    assert webhook_delivery.queue.wait_until_idle(10)

    assert len(Receiver.bodies) == 2
    assert all(body["data"]["id"] == matter.id for body in Receiver.bodies)
    assert all(body["data"]["status"] == "Closed" for body in Receiver.bodies)
