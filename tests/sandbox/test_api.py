"""API v4 endpoints of the sandbox over real HTTP; every response is validated against Clio's spec."""

import datetime
from urllib.parse import urlsplit

import pytest

from mira.sandbox.models import Activity, Matter, SandboxUser
from tests.sandbox.helpers import ALL_PERMISSIONS, Api, connect


@pytest.fixture
def connection(sandbox):
    return connect(sandbox.base_url)


@pytest.fixture
def api(sandbox, connection):
    client = Api(sandbox.base_url, connection.access_token)
    yield client
    client.close()


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    return response.json()["error"]


def test_who_am_i_with_account(api):
    response = api.get("/users/who_am_i.json", fields="id,name,email,account{id,name}")
    data = response.json()["data"]
    assert data["name"] == "Benjamin Lee"
    assert data["email"] == "benjamin.lee@harborvale.test"
    assert data["account"]["name"] == "Harbor & Vale LLP"
    assert set(data["account"]) == {"id", "name"}
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_default_fields_are_id_and_etag(api):
    data = api.get("/users/who_am_i.json").json()["data"]
    assert set(data) == {"id", "etag"}
    assert data["etag"].startswith('"')
    assert data["etag"].endswith('"')


def test_paths_without_json_suffix(api):
    assert api.get("/users/who_am_i", fields="name").json()["data"]["name"] == "Benjamin Lee"
    assert api.get("/matters", limit=1).status_code == 200


def test_users_list(api):
    response = api.get("/users.json", fields="id,name,enabled,subscription_type,roles,account_owner")
    users = {user["name"]: user for user in response.json()["data"]}
    assert len(users) == 6
    assert users["Benjamin Lee"]["roles"] == ["admin"]
    assert users["Benjamin Lee"]["account_owner"] is True
    assert users["Priya Raman"]["subscription_type"] == "NonAttorney"
    assert users["Ólafur Sigurðsson"]["enabled"] is False
    assert users["Zoë Kowalczyk"]["subscription_type"] == "Attorney"


def test_users_limit_bounds(api):
    assert api.get("/users.json", limit=2000).status_code == 200
    assert "limit" in error_of(api.get("/users.json", limit=2001), 400)["message"]


@pytest.mark.parametrize("limit", ["0", "201", "ten"])
def test_matters_bad_limit(api, limit):
    assert "limit" in error_of(api.get("/matters.json", limit=limit), 400)["message"]


def test_matters_paging_to_the_end(sandbox, api):
    url_parts = urlsplit(sandbox.base_url)
    response = api.get("/matters.json", order="id(asc)", limit=50, fields="id,display_number")
    seen = []
    pages = 0
    while True:
        pages += 1
        body = response.json()
        assert body["meta"]["records"] == 180
        seen += [matter["id"] for matter in body["data"]]
        next_url = body["meta"]["paging"].get("next")
        if next_url is None:
            break
        parts = urlsplit(next_url)
        assert (parts.scheme, parts.netloc) == (url_parts.scheme, url_parts.netloc)
        assert "fields=id%2Cdisplay_number" in parts.query
        response = api.get_url(next_url)

    assert pages == 4
    assert len(seen) == 180
    assert len(set(seen)) == 180
    assert seen == sorted(seen)


def test_matters_paging_descending(api):
    first = api.get("/matters.json", order="id(desc)", limit=100).json()
    second = api.get_url(first["meta"]["paging"]["next"]).json()
    ids = [m["id"] for m in first["data"] + second["data"]]
    assert len(ids) == 180
    assert ids == sorted(ids, reverse=True)
    assert "next" not in second["meta"]["paging"]


def test_matters_tampered_page_token(api):
    response = api.get("/matters.json", page_token="forged")
    assert "page_token" in error_of(response, 400)["message"]


def test_matters_status_filter(api):
    data = api.get("/matters.json", status="OPEN,pending", fields="id,status").json()["data"]
    statuses = {matter["status"] for matter in data}
    assert statuses == {"Open", "Pending"}
    assert len(data) == Matter.objects.filter(status__in=["Open", "Pending"]).count()

    closed = api.get("/matters.json", status="closed", fields="status").json()["data"]
    assert {matter["status"] for matter in closed} == {"Closed"}
    assert len(data) + len(closed) == 180


def test_matters_bad_status(api):
    assert "archived" in error_of(api.get("/matters.json", status="open,archived"), 400)["message"]


def test_matters_nested_client_fields(api):
    data = api.get("/matters.json", limit=5, fields="id,display_number,status,client{id,name,type}").json()["data"]
    for matter in data:
        assert set(matter["client"]) == {"id", "name", "type"}
        assert matter["display_number"][:5].isdigit()


def test_matters_unknown_field(api):
    message = error_of(api.get("/matters.json", fields="id,colour"), 400)["message"]
    assert "'colour'" in message


def test_matters_unknown_nested_field(api):
    message = error_of(api.get("/matters.json", fields="id,client{id,shoe_size}"), 400)["message"]
    assert "'shoe_size'" in message


def test_matters_two_nesting_levels_rejected(api):
    response = api.get("/activities.json", fields="id,matter{client{name}}")
    assert "one level" in error_of(response, 400)["message"]


def test_matters_ids_and_updated_since(api):
    ids = list(Matter.objects.order_by("id").values_list("id", flat=True)[:3])
    data = api.request("GET", "/matters.json", params=[("ids[]", ids[0]), ("ids[]", ids[2])]).json()["data"]
    assert [matter["id"] for matter in data] == [ids[0], ids[2]]

    newest = Matter.objects.order_by("-updated_at").first()
    since = (newest.updated_at - datetime.timedelta(seconds=1)).isoformat()
    recent = api.get("/matters.json", updated_since=since).json()["data"]
    assert newest.id in [matter["id"] for matter in recent]
    assert len(recent) < 180


def test_contacts_with_accents_and_types(api):
    people = api.get("/contacts.json", type="Person", fields="name,type").json()["data"]
    companies = api.get("/contacts.json", type="Company", fields="name,type").json()["data"]
    names = {contact["name"] for contact in people + companies}
    assert {"Søren Ægidius", "Łucja Wiśniewska", "Αθηνά Παπαδοπούλου"} <= names
    assert {"株式会社 山田商事", "Café Olé S.à r.l."} <= names
    assert {contact["type"] for contact in people} == {"Person"}
    assert {contact["type"] for contact in companies} == {"Company"}


def test_activity_descriptions(api):
    data = api.get("/activity_descriptions.json", fields="id,name,rate{amount}").json()["data"]
    names = {description["name"] for description in data}
    assert len(data) == 12
    assert {"Legal research", "Court appearance", "Client call"} <= names
    assert all(description["rate"]["amount"] > 0 for description in data)


def time_entry(**overrides) -> dict:
    matter = Matter.objects.filter(status="Open").order_by("id").first()
    user = SandboxUser.objects.get(email="amelia.ortiz@harborvale.test")
    data = {
        "type": "TimeEntry", "date": "2026-12-01", "quantity": 5400, "matter": {"id": matter.id},
        "user": {"id": user.id}, "note": "Reviewed lease amendment – clause 7", "activity_description": {"id": _description_id()},
    }
    data.update(overrides)
    return {"data": data}


def _description_id() -> int:
    from mira.sandbox.models import ActivityDescription

    return ActivityDescription.objects.get(name="Document review").id


ACTIVITY_FIELDS = "id,etag,type,date,quantity,note,price,total,billed,on_bill,matter{id,display_number},user{id,name},activity_description{id,name}"


def test_activity_create_read_update_delete(api):
    created = api.request("POST", "/activities.json", params={"fields": ACTIVITY_FIELDS}, json=time_entry())
    assert created.status_code == 201
    data = created.json()["data"]
    assert data["type"] == "TimeEntry"
    assert data["quantity"] == 5400
    assert data["price"] == 275.0
    assert data["total"] == 412.5
    assert data["billed"] is False
    assert data["on_bill"] is False
    assert data["user"]["name"] == "Amelia Ortiz"
    assert data["activity_description"]["name"] == "Document review"
    assert data["note"] == "Reviewed lease amendment – clause 7"

    fetched = api.get(f"/activities/{data['id']}.json", fields=ACTIVITY_FIELDS)
    assert fetched.json()["data"] == data
    assert fetched.headers["etag"] == data["etag"]

    updated = api.request(
        "PATCH", f"/activities/{data['id']}.json", params={"fields": "id,etag,quantity,note,total"},
        json={"data": {"quantity": 3600, "note": "Shorter"}},
    )
    assert updated.status_code == 200
    assert updated.json()["data"]["quantity"] == 3600
    assert updated.json()["data"]["total"] == 275.0
    assert updated.json()["data"]["etag"] != data["etag"]

    stale = api.request(
        "PATCH", f"/activities/{data['id']}.json", headers={"If-Match": data["etag"]}, json={"data": {"note": "x"}},
    )
    assert stale.status_code == 412

    deleted = api.request("DELETE", f"/activities/{data['id']}.json")
    assert deleted.status_code == 204
    assert not Activity.objects.filter(pk=data["id"]).exists()
    missing = api.request("GET", f"/activities/{data['id']}.json")
    assert missing.status_code == 404


def test_activity_not_modified_with_etag(api):
    activity = Activity.objects.order_by("id").first()
    first = api.get(f"/activities/{activity.id}.json")
    second = api.request("GET", f"/activities/{activity.id}.json", headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 304


def test_activity_search_filters_find_new_entry(api):
    before = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)).isoformat()
    body = time_entry()
    created = api.request("POST", "/activities.json", json=body).json()["data"]
    matter_id = body["data"]["matter"]["id"]
    user_id = body["data"]["user"]["id"]

    found = api.get(
        "/activities.json", matter_id=matter_id, user_id=user_id, start_date="2026-12-01", end_date="2026-12-01",
        type="TimeEntry", created_since=before, fields="id,note",
    ).json()["data"]
    assert [activity["id"] for activity in found] == [created["id"]]

    assert api.get("/activities.json", matter_id=matter_id, start_date="2026-12-02").json()["data"] == []
    assert api.get("/activities.json", created_since=before, user_id=user_id + 1).json()["data"] == []


def test_activity_list_pages_through_seeded_entries(api):
    total = Activity.objects.count()
    first = api.get("/activities.json", limit=200).json()
    assert first["meta"]["records"] == total
    second = api.get_url(first["meta"]["paging"]["next"]).json()
    assert len(first["data"]) + len(second["data"]) == total


def disabled_user_id() -> int:
    return SandboxUser.objects.get(enabled=False).id


@pytest.mark.parametrize("change, field", [
    ({"type": None}, "type"),
    ({"date": None}, "date"),
    ({"matter": {"id": 1}}, "matter"),
    ({"user": {"id": 1}}, "user"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": -60}, "quantity"),
])
def test_activity_create_invalid_input(api, change, field):
    body = time_entry()
    for key, value in change.items():
        if value is None:
            del body["data"][key]
        else:
            body["data"][key] = value
    # Some of these bodies break the spec's own schema (type and date are required), on purpose.
    response = api.request("POST", "/activities.json", json=body, validate_body=False)
    message = error_of(response, 422)["message"]
    assert message.startswith(f"{field}:")


def test_activity_create_for_disabled_user(api):
    response = api.request("POST", "/activities.json", json=time_entry(user={"id": disabled_user_id()}))
    assert "disabled" in error_of(response, 422)["message"]


def test_activity_defaults_to_token_user(api):
    body = time_entry()
    del body["data"]["user"]
    data = api.request("POST", "/activities.json", params={"fields": "user{name}"}, json=body).json()["data"]
    assert data["user"]["name"] == "Benjamin Lee"


def test_missing_token_is_401(sandbox):
    response = Api(sandbox.base_url, None).get("/matters.json")
    assert error_of(response, 401)["type"] == "invalid_token"


def test_unknown_token_is_401(sandbox):
    response = Api(sandbox.base_url, "made-up").get("/matters.json")
    assert error_of(response, 401)["message"] == "The access token is invalid."


def test_missing_permission_is_403(sandbox):
    permissions = {key: level for key, level in ALL_PERMISSIONS.items() if key != "matters"}
    api = Api(sandbox.base_url, connect(sandbox.base_url, permissions=permissions).access_token)
    assert "Matters" in error_of(api.get("/matters.json"), 403)["message"]
    assert api.get("/contacts.json").status_code == 200


def test_read_only_activities_cannot_write(sandbox):
    permissions = {**ALL_PERMISSIONS, "activities": "read"}
    api = Api(sandbox.base_url, connect(sandbox.base_url, permissions=permissions).access_token)
    assert api.get("/activities.json", limit=1).status_code == 200
    response = api.request("POST", "/activities.json", json=time_entry())
    assert "Read/Write" in error_of(response, 403)["message"]


def test_users_permission_needed_for_who_am_i(sandbox):
    permissions = {key: level for key, level in ALL_PERMISSIONS.items() if key != "users"}
    api = Api(sandbox.base_url, connect(sandbox.base_url, permissions=permissions).access_token)
    assert error_of(api.get("/users/who_am_i.json"), 403)["type"] == "ForbiddenError"


def test_api_version_default_and_echo(sandbox, connection):
    assert Api(sandbox.base_url, connection.access_token).get("/matters.json", limit=1).headers["x-api-version"] == "4.0.9"
    pinned = Api(sandbox.base_url, connection.access_token, version="4.0.4").get("/matters.json", limit=1)
    assert pinned.headers["x-api-version"] == "4.0.4"


@pytest.mark.parametrize("version", ["abc", "4.0.14", "5.0.0", "4.1.0"])
def test_api_version_invalid_is_410(sandbox, connection, version):
    response = Api(sandbox.base_url, connection.access_token, version=version).get("/matters.json")
    assert version in error_of(response, 410)["message"]


def test_rate_limit_headers_and_429(sandbox, connection, settings):
    settings.MIRA_SANDBOX_RATE_LIMIT = 3
    api = Api(sandbox.base_url, connection.access_token)
    remaining = [api.get("/users/who_am_i.json").headers["x-ratelimit-remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]

    limited = api.get("/users/who_am_i.json")
    assert error_of(limited, 429)["type"] == "RateLimited"
    assert 1 <= int(limited.headers["retry-after"]) <= 61
    assert limited.headers["x-ratelimit-limit"] == "3"
    assert int(limited.headers["x-ratelimit-reset"]) > 0


def test_rate_limit_default_is_50(sandbox, connection, settings):
    del settings.MIRA_SANDBOX_RATE_LIMIT
    response = Api(sandbox.base_url, connection.access_token).get("/users/who_am_i.json")
    assert response.headers["x-ratelimit-limit"] == "50"
    assert response.headers["x-ratelimit-remaining"] == "49"
