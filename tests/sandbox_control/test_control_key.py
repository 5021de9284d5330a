"""The control key: required when MIRA_SANDBOX_CONTROL_KEY is set, open otherwise."""

import pytest

from tests.sandbox_control.helpers import control, first_matter

KEY = "demo-control-key-123"


@pytest.fixture
def control_key(settings):
    settings.MIRA_SANDBOX_CONTROL_KEY = KEY
    return KEY


def test_open_without_setting(sandbox):
    with control(sandbox.base_url) as http:
        assert http.get("/stats").status_code == 200


def test_missing_key_is_403(sandbox, control_key):
    with control(sandbox.base_url) as http:
        response = http.get("/faults")
    assert response.status_code == 403
    assert "X-Sandbox-Control-Key" in response.json()["error"]["message"]


def test_wrong_key_is_403(sandbox, control_key):
    with control(sandbox.base_url, key="wrong") as http:
        response = http.post(f"/matters/{first_matter().id}/close")
    assert response.status_code == 403
    assert first_matter().status == "Open"


def test_right_key_is_accepted(sandbox, control_key):
    matter = first_matter()
    with control(sandbox.base_url, key=KEY) as http:
        response = http.post(f"/matters/{matter.id}/close")
    assert response.status_code == 200
    matter.refresh_from_db()
    assert matter.status == "Closed"


def test_form_key_field_is_accepted(sandbox, control_key):
    with control(sandbox.base_url) as http:
        response = http.post("/faults", data={"path": "/api/v4/users.json", "script": "503", "control_key": KEY})
    assert response.status_code == 201, response.text
    assert response.json()["data"]["script"] == [503]


def test_page_says_key_required(sandbox, control_key):
    with control(sandbox.base_url) as http:
        response = http.get("/")
    assert response.status_code == 200
    assert 'id="key-required"' in response.text
    assert KEY not in response.text
