"""Faults on demand, observed from real HTTP clients against the running sandbox."""

import datetime
import json
import time

import httpx
import pytest

from mira.clio import ClioClient, ClioOutcomeUnknownError, StaticTokenSource, build_http_client, get_region
from mira.sandbox.models import Activity, Matter
from tests.sandbox.helpers import connect
from tests.sandbox_control.helpers import control

MATTERS = "/api/v4/matters.json"


def add_fault(base_url: str, **spec) -> dict:
    with control(base_url) as http:
        response = http.post("/faults", json=spec)
    assert response.status_code == 201, response.text
    return response.json()["data"]


@pytest.fixture
def token(sandbox) -> str:
    return connect(sandbox.base_url).access_token


def api(base_url: str, token: str, timeout: float = 10) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout)


def test_scripted_429_then_ok(sandbox, token):
    add_fault(sandbox.base_url, path=MATTERS, script=[429, 429, "ok"], retry_after=3)
    with api(sandbox.base_url, token) as client:
        statuses = [client.get(MATTERS, params={"limit": 1}) for _ in range(4)]
    assert [response.status_code for response in statuses] == [429, 429, 200, 200]
    assert statuses[0].headers["Retry-After"] == "3"
    assert statuses[0].json()["error"]["type"] == "RateLimited"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_scripted_server_errors(sandbox, token, status):
    add_fault(sandbox.base_url, path=MATTERS, script=[status])
    with api(sandbox.base_url, token) as client:
        response = client.get(MATTERS)
    assert response.status_code == status
    assert set(response.json()["error"]) == {"type", "message"}


def test_rule_matches_only_its_path_and_method(sandbox, token):
    add_fault(sandbox.base_url, path=MATTERS, method="POST", script=[503])
    add_fault(sandbox.base_url, path="/api/v4/contacts.json", script=[500])
    with api(sandbox.base_url, token) as client:
        matters = client.get(MATTERS, params={"limit": 1})
        contacts = client.get("/api/v4/contacts", params={"limit": 1})
    assert matters.status_code == 200
    assert contacts.status_code == 500


def test_prefix_rule(sandbox, token):
    add_fault(sandbox.base_url, path="/api/v4/*", script=[502, 502])
    with api(sandbox.base_url, token) as client:
        first = client.get("/api/v4/users.json")
        second = client.get("/api/v4/activities.json")
        third = client.get("/api/v4/activities.json", params={"limit": 1})
    assert (first.status_code, second.status_code, third.status_code) == (502, 502, 200)


def test_id_template_rule(sandbox, token):
    activity_id = Activity.objects.order_by("id").values_list("id", flat=True).first()
    add_fault(sandbox.base_url, path="/api/v4/activities/{id}.json", script=[503])
    with api(sandbox.base_url, token) as client:
        response = client.get(f"/api/v4/activities/{activity_id}.json")
    assert response.status_code == 503


def test_slow_response(sandbox, token):
    add_fault(sandbox.base_url, path=MATTERS, script=["slow"], delay_ms=600)
    with api(sandbox.base_url, token) as client:
        started = time.monotonic()
        response = client.get(MATTERS, params={"limit": 1})
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed >= 0.6


def test_read_timeout(sandbox, token):
    add_fault(sandbox.base_url, path=MATTERS, script=["timeout"], hold_ms=5000)
    with api(sandbox.base_url, token, timeout=0.5) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get(MATTERS, params={"limit": 1})


def test_dropped_connection(sandbox, token):
    add_fault(sandbox.base_url, path=MATTERS, script=["drop", "ok"])
    with api(sandbox.base_url, token) as client:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.get(MATTERS, params={"limit": 1})
        after = client.get(MATTERS, params={"limit": 1})
    assert after.status_code == 200


def test_truncated_json(sandbox, token):
    add_fault(sandbox.base_url, path=MATTERS, script=["truncate"], truncate_at=25)
    with api(sandbox.base_url, token) as client:
        response = client.get(MATTERS, params={"limit": 5})
    assert response.status_code == 200
    assert len(response.content) == 25
    assert response.headers["Content-Length"] == "25"
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_token_revoked_mid_run(sandbox, token):
    add_fault(sandbox.base_url, path="/api/v4/*", script=["ok", "revoke"])
    with api(sandbox.base_url, token) as client:
        statuses = [client.get(MATTERS, params={"limit": 1}).status_code for _ in range(4)]
    assert statuses == [200, 200, 401, 401]


def test_random_faults_repeat_by_seed(sandbox, token):
    def run() -> list[int]:
        with control(sandbox.base_url) as http:
            http.delete("/faults")
        add_fault(sandbox.base_url, path=MATTERS, random={"503": 0.3, "429": 0.2}, seed=42)
        with api(sandbox.base_url, token) as client:
            return [client.get(MATTERS, params={"limit": 1}).status_code for _ in range(20)]

    first = run()
    assert run() == first
    assert {429, 503} <= set(first)
    assert 200 in first


def test_random_429_burst(sandbox, token):
    add_fault(sandbox.base_url, path=MATTERS, random={"429": 0.2}, seed=3, burst=3)
    with api(sandbox.base_url, token) as client:
        statuses = [client.get(MATTERS, params={"limit": 1}).status_code for _ in range(30)]
    first = statuses.index(429)
    assert statuses[first:first + 3] == [429, 429, 429]


def test_faults_list_and_clear(sandbox):
    rule = add_fault(sandbox.base_url, path=MATTERS, script="429,ok")
    with control(sandbox.base_url) as http:
        listed = http.get("/faults").json()["data"]
        cleared = http.delete("/faults").json()
        after = http.get("/faults").json()["data"]
    assert listed == [rule]
    assert rule["script"] == [429, "ok"]
    assert cleared == {"cleared": 1}
    assert after == []


@pytest.mark.parametrize(("spec", "named"), [
    ({"path": "matters.json", "script": [429]}, "'matters.json'"),
    ({"path": MATTERS, "script": [418]}, "418"),
    ({"path": MATTERS, "script": ["explode"]}, "'explode'"),
    ({"path": MATTERS}, "script"),
    ({"path": MATTERS, "random": {"429": 1.5}}, "1.5"),
    ({"path": MATTERS, "script": [429], "method": "FETCH"}, "'FETCH'"),
    ({"path": "/_sandbox/stats", "script": [500]}, "/_sandbox/"),
])
def test_invalid_fault_rule_is_400(sandbox, spec, named):
    with control(sandbox.base_url) as http:
        response = http.post("/faults", json=spec)
    assert response.status_code == 400
    assert named in response.json()["error"]["message"]


def test_clio_client_retries_scripted_429_and_503(sandbox, token):
    add_fault(sandbox.base_url, path="/api/v4/users/who_am_i.json", script=[429, 503, "ok"], retry_after=1)
    waits: list[float] = []
    # The client's sleep hook records waits instead of sleeping, so the test takes no extra seconds.
    client = ClioClient(get_region("sandbox", sandbox.base_url), StaticTokenSource(token),
                        http=build_http_client(timeout=5), sleep=waits.append)
    user = client.who_am_i()
    assert user["id"]
    assert len(waits) == 2
    assert waits[0] == pytest.approx(1, abs=1)


def test_clio_client_post_timeout_is_outcome_unknown(sandbox, token):
    matter = Matter.objects.filter(status="Open").order_by("id").first()
    owner_id = connect_user_id(sandbox.base_url, token)
    add_fault(sandbox.base_url, path="/api/v4/activities.json", method="POST", script=["timeout"], hold_ms=5000)
    before = Activity.objects.count()
    client = ClioClient(get_region("sandbox", sandbox.base_url), StaticTokenSource(token),
                        http=build_http_client(timeout=0.5), sleep=lambda seconds: None)
    with pytest.raises(ClioOutcomeUnknownError):
        client.create_time_entry(user_id=owner_id, matter_id=matter.id, date=datetime.date(2026, 3, 2),
                                 quantity_seconds=1800, note="Timed out write")
    # The sandbox stored the entry before holding the response, as a slow Clio may.
    assert Activity.objects.count() == before + 1
    assert Activity.objects.filter(note="Timed out write").exists()


def connect_user_id(base_url: str, token: str) -> int:
    with api(base_url, token) as client:
        return client.get("/api/v4/users/who_am_i.json").json()["data"]["id"]
