"""Every data change of the control API, checked in the database and through the real API v4."""

import pytest

from mira.sandbox.models import Activity, Matter, SandboxUser
from tests.sandbox_control.helpers import (
    api_client,
    control,
    first_client,
    first_enabled_user,
    first_matter,
    unbilled_activities_of_one_matter,
)

MATTER_FIELDS = "id,etag,number,display_number,description,status,client{id},updated_at,close_date,pending_date"


def api_matter(api, matter_id: int) -> dict:
    response = api.get("/matters.json", params={"ids[]": matter_id, "fields": MATTER_FIELDS})
    assert response.status_code == 200, response.text
    records = response.json()["data"]
    assert len(records) == 1
    return records[0]


def test_matter_create(sandbox):
    client_contact = first_client()
    with control(sandbox.base_url) as http:
        response = http.post("/matters", json={"client_id": client_contact.id, "description": "New lease dispute"})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    matter = Matter.objects.get(pk=data["id"])
    assert matter.description == "New lease dispute"
    assert matter.client_id == client_contact.id
    assert matter.status == "Open"
    assert matter.number == Matter.objects.exclude(pk=matter.pk).order_by("-number").first().number + 1
    assert data["etag"].startswith('"')


def test_matter_create_missing_client(sandbox):
    with control(sandbox.base_url) as http:
        response = http.post("/matters", json={"description": "No client"})
    assert response.status_code == 400
    assert "client_id" in response.json()["error"]["message"]


def test_matter_create_unknown_client(sandbox):
    with control(sandbox.base_url) as http:
        response = http.post("/matters", json={"client_id": 12345, "description": "x"})
    assert response.status_code == 404
    assert "12345" in response.json()["error"]["message"]


def test_matter_edit_moves_etag(sandbox):
    matter = first_matter()
    new_client = first_client()
    with api_client(sandbox.base_url) as api, control(sandbox.base_url) as http:
        before = api_matter(api, matter.id)
        response = http.post(f"/matters/{matter.id}/edit", json={"description": "Renamed", "client_id": new_client.id})
        after = api_matter(api, matter.id)
    assert response.status_code == 200, response.text
    assert after["description"] == "Renamed"
    assert after["client"]["id"] == new_client.id
    assert after["etag"] != before["etag"]
    assert after["updated_at"] > before["updated_at"]
    assert response.json()["data"]["etag"] == after["etag"]


def test_matter_edit_nothing_is_400(sandbox):
    with control(sandbox.base_url) as http:
        response = http.post(f"/matters/{first_matter().id}/edit", json={})
    assert response.status_code == 400
    assert "description" in response.json()["error"]["message"]


def test_matter_edit_unknown_field_is_400(sandbox):
    with control(sandbox.base_url) as http:
        response = http.post(f"/matters/{first_matter().id}/edit", json={"colour": "red"})
    assert response.status_code == 400
    assert "'colour'" in response.json()["error"]["message"]


def test_matter_renumber(sandbox):
    matter = first_matter()
    with api_client(sandbox.base_url) as api, control(sandbox.base_url) as http:
        response = http.post(f"/matters/{matter.id}/renumber", json={"number": 90001, "display_number": "90001-Renumbered"})
        after = api_matter(api, matter.id)
    assert response.status_code == 200, response.text
    assert after["number"] == 90001
    assert after["display_number"] == "90001-Renumbered"


def test_matter_renumber_taken_number(sandbox):
    matter, other = Matter.objects.order_by("id")[:2]
    with control(sandbox.base_url) as http:
        response = http.post(f"/matters/{matter.id}/renumber", json={"number": other.number})
    assert response.status_code == 409
    assert str(other.number) in response.json()["error"]["message"]


def test_matter_renumber_bad_number(sandbox):
    with control(sandbox.base_url) as http:
        response = http.post(f"/matters/{first_matter().id}/renumber", json={"number": "twelve"})
    assert response.status_code == 400
    assert "'twelve'" in response.json()["error"]["message"]


@pytest.mark.parametrize(("action", "status"), [("close", "Closed"), ("pend", "Pending")])
def test_matter_status_actions(sandbox, action, status):
    matter = first_matter("Open")
    with api_client(sandbox.base_url) as api, control(sandbox.base_url) as http:
        before = api_matter(api, matter.id)
        response = http.post(f"/matters/{matter.id}/{action}")
        after = api_matter(api, matter.id)
    assert response.status_code == 200, response.text
    assert after["status"] == status
    assert after["etag"] != before["etag"]


def test_matter_reopen(sandbox):
    matter = first_matter("Closed")
    with control(sandbox.base_url) as http:
        response = http.post(f"/matters/{matter.id}/reopen")
    assert response.status_code == 200, response.text
    matter.refresh_from_db()
    assert matter.status == "Open"
    assert matter.close_date is None
    assert response.json()["data"]["status"] == "Open"


def test_matter_close_sets_close_date(sandbox):
    matter = first_matter("Open")
    with control(sandbox.base_url) as http:
        http.post(f"/matters/{matter.id}/close")
    matter.refresh_from_db()
    assert matter.close_date is not None


def test_matter_delete_with_activities(sandbox):
    activity = Activity.objects.filter(matter__isnull=False, bill__isnull=True).order_by("id").first()
    matter_id = activity.matter_id
    activity_ids = set(Activity.objects.filter(matter_id=matter_id).values_list("id", flat=True))
    with api_client(sandbox.base_url) as api, control(sandbox.base_url) as http:
        response = http.post(f"/matters/{matter_id}/delete")
        listed = api.get("/matters.json", params={"ids[]": matter_id})
    assert response.status_code == 200, response.text
    assert response.json()["deleted"] is True
    assert set(response.json()["deleted_activity_ids"]) == activity_ids
    assert not Matter.objects.filter(pk=matter_id).exists()
    assert not Activity.objects.filter(pk__in=activity_ids).exists()
    assert listed.json()["data"] == []


def test_matter_unknown_id_is_404(sandbox):
    with control(sandbox.base_url) as http:
        response = http.post("/matters/1/close")
    assert response.status_code == 404
    assert "Matter 1 not found" in response.json()["error"]["message"]


def test_user_add(sandbox):
    with api_client(sandbox.base_url) as api, control(sandbox.base_url) as http:
        response = http.post("/users", json={
            "first_name": "Nia", "last_name": "Okoro", "email": "nia.okoro@harborvale.test",
            "subscription_type": "NonAttorney", "rate": "180.00",
        })
        listed = api.get("/users.json", params={"fields": "id,email,enabled,subscription_type"})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert "password_hash" not in data
    assert data["enabled"] is True
    emails = {user["email"]: user for user in listed.json()["data"]}
    assert emails["nia.okoro@harborvale.test"]["subscription_type"] == "NonAttorney"


def test_user_add_duplicate_email(sandbox):
    with control(sandbox.base_url) as http:
        response = http.post("/users", json={"first_name": "B", "last_name": "L", "email": "benjamin.lee@harborvale.test"})
    assert response.status_code == 409
    assert "benjamin.lee@harborvale.test" in response.json()["error"]["message"]


def test_user_add_bad_subscription(sandbox):
    with control(sandbox.base_url) as http:
        response = http.post("/users", json={"first_name": "A", "last_name": "B", "email": "a.b@harborvale.test",
                                             "subscription_type": "Partner"})
    assert response.status_code == 400
    assert "'Partner'" in response.json()["error"]["message"]


def test_user_disable_and_enable(sandbox):
    user = first_enabled_user()
    with control(sandbox.base_url) as http:
        response = http.post(f"/users/{user.id}/disable")
        again = http.post(f"/users/{user.id}/enable")
    assert response.status_code == 200, response.text
    assert response.json()["data"]["enabled"] is False
    assert again.json()["data"]["enabled"] is True
    assert again.json()["data"]["etag"] != response.json()["data"]["etag"]


def test_user_disable_owner_is_409(sandbox):
    owner = SandboxUser.objects.get(account_owner=True)
    with control(sandbox.base_url) as http:
        response = http.post(f"/users/{owner.id}/disable")
    assert response.status_code == 409


def test_disabled_user_token_gets_401(sandbox):
    # The token belongs to the account owner, so a second enabled user authorizes a grant here.
    from tests.sandbox.helpers import connect

    user = first_enabled_user()
    connection = connect(sandbox.base_url, email=user.email)
    with control(sandbox.base_url) as http:
        http.post(f"/users/{user.id}/disable")
    import httpx

    response = httpx.get(sandbox.base_url + "/api/v4/users/who_am_i.json",
                         headers={"Authorization": f"Bearer {connection.access_token}"})
    assert response.status_code == 401


def test_activities_bill(sandbox):
    activities = unbilled_activities_of_one_matter(2)
    ids = [activity.id for activity in activities]
    with api_client(sandbox.base_url) as api, control(sandbox.base_url) as http:
        response = http.post("/activities/bill", json={"activity_ids": ids})
        shown = api.get(f"/activities/{ids[0]}.json", params={"fields": "id,on_bill,billed"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["bill"]["state"] == "draft"
    assert {record["id"] for record in body["data"]} == set(ids)
    assert all(record["on_bill"] for record in body["data"])
    assert shown.json()["data"]["on_bill"] is True


def test_activities_bill_twice_is_400(sandbox):
    ids = [activity.id for activity in unbilled_activities_of_one_matter(1)]
    with control(sandbox.base_url) as http:
        http.post("/activities/bill", json={"activity_ids": ids})
        response = http.post("/activities/bill", json={"activity_ids": ids})
    assert response.status_code == 400
    assert "already on a bill" in response.json()["error"]["message"]


def test_activities_bill_empty_is_400(sandbox):
    with control(sandbox.base_url) as http:
        response = http.post("/activities/bill", json={"activity_ids": []})
    assert response.status_code == 400
    assert "activity_ids" in response.json()["error"]["message"]


def test_activity_edit_moves_etag(sandbox):
    activity = Activity.objects.order_by("id").first()
    with api_client(sandbox.base_url) as api, control(sandbox.base_url) as http:
        before = api.get(f"/activities/{activity.id}.json", params={"fields": "id,etag,note,quantity,total"}).json()["data"]
        response = http.post(f"/activities/{activity.id}/edit", json={"note": "Edited in Clio", "quantity": 7200})
        after = api.get(f"/activities/{activity.id}.json", params={"fields": "id,etag,note,quantity,total"}).json()["data"]
    assert response.status_code == 200, response.text
    assert after["note"] == "Edited in Clio"
    assert after["quantity"] == 7200
    assert after["etag"] != before["etag"]
    assert float(after["total"]) == pytest.approx(float(activity.price) * 2)


def test_activity_edit_twice_fast_changes_etag(sandbox):
    activity = Activity.objects.order_by("id").first()
    with control(sandbox.base_url) as http:
        first = http.post(f"/activities/{activity.id}/edit", json={"note": "one"}).json()["data"]
        second = http.post(f"/activities/{activity.id}/edit", json={"note": "two"}).json()["data"]
    assert second["etag"] != first["etag"]
    assert second["updated_at"] > first["updated_at"]


def test_activity_edit_bad_date(sandbox):
    activity = Activity.objects.order_by("id").first()
    with control(sandbox.base_url) as http:
        response = http.post(f"/activities/{activity.id}/edit", json={"date": "31/12/2026"})
    assert response.status_code == 400
    assert "'31/12/2026'" in response.json()["error"]["message"]
    assert "YYYY-MM-DD" in response.json()["error"]["message"]


def test_activity_delete(sandbox):
    activity = Activity.objects.order_by("id").first()
    with api_client(sandbox.base_url) as api, control(sandbox.base_url) as http:
        response = http.post(f"/activities/{activity.id}/delete")
        shown = api.get(f"/activities/{activity.id}.json")
    assert response.status_code == 200, response.text
    assert response.json()["data"]["id"] == activity.id
    assert shown.status_code == 404


def test_invalid_json_is_400(sandbox):
    with control(sandbox.base_url) as http:
        response = http.post("/matters", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]["message"]


def test_wrong_method_is_405(sandbox):
    with control(sandbox.base_url) as http:
        response = http.put("/matters")
    assert response.status_code == 405
    assert "use GET, POST" in response.json()["error"]["message"]


def test_unknown_action_is_404_json(sandbox):
    with control(sandbox.base_url) as http:
        response = http.post(f"/matters/{first_matter().id}/archive")
    assert response.status_code == 404
    assert "/_sandbox/" in response.json()["error"]["message"]


def test_control_page_lists_actions(sandbox):
    with control(sandbox.base_url) as http:
        response = http.get("/")
    assert response.status_code == 200
    for form_id in ("matter-create", "matter-edit", "matter-renumber", "matter-status", "user-add", "user-enabled",
                    "activities-bill", "activity-edit", "activity-delete", "fault-add"):
        assert f'id="{form_id}"' in response.text


def test_control_page_form_post(sandbox):
    # Browsers post the page's forms form-encoded; empty fields are ignored.
    matter = first_matter()
    with control(sandbox.base_url) as http:
        response = http.post(f"/matters/{matter.id}/edit", data={"description": "From the page", "client_id": ""})
    assert response.status_code == 200, response.text
    matter.refresh_from_db()
    assert matter.description == "From the page"
