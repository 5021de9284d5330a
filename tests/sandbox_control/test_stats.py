"""Request counts per endpoint template and status."""

import httpx
import pytest

from mira.sandbox.models import Activity
from tests.sandbox.helpers import connect
from tests.sandbox_control.helpers import control


def test_stats_count_by_template_and_status(sandbox):
    token = connect(sandbox.base_url).access_token
    activity_ids = list(Activity.objects.order_by("id").values_list("id", flat=True)[:2])
    with control(sandbox.base_url) as http:
        http.delete("/stats")
        http.post("/faults", json={"path": "/api/v4/matters.json", "script": [503, "drop"]})
    with httpx.Client(base_url=sandbox.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        client.get("/api/v4/matters.json", params={"limit": 1})
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.get("/api/v4/matters.json", params={"limit": 1})
        client.get("/api/v4/matters.json", params={"limit": 1, "fields": "id"})
        for activity_id in activity_ids:
            client.get(f"/api/v4/activities/{activity_id}.json")
        client.get("/api/v4/activities/1.json")
    with control(sandbox.base_url) as http:
        stats = http.get("/stats").json()

    endpoints = stats["endpoints"]
    assert endpoints["GET /api/v4/matters.json"]["statuses"] == {"503": 1, "dropped": 1, "200": 1}
    assert endpoints["GET /api/v4/activities/{id}.json"]["statuses"] == {"200": 2, "404": 1}
    assert stats["total"] == 6
    text = str(stats)
    assert token not in text
    assert str(activity_ids[0]) not in text
    assert "limit" not in text


def test_stats_skip_control_requests(sandbox):
    with control(sandbox.base_url) as http:
        http.get("/faults")
        stats = http.get("/stats").json()
    assert stats == {"total": 0, "endpoints": {}}


def test_stats_reset(sandbox):
    httpx.get(sandbox.base_url + "/api/v4/users.json")
    with control(sandbox.base_url) as http:
        before = http.get("/stats").json()
        reset = http.delete("/stats")
        after = http.get("/stats").json()
    assert before["endpoints"]["GET /api/v4/users.json"]["statuses"] == {"401": 1}
    assert reset.status_code == 200
    assert after["total"] == 0
