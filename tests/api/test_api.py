"""The JSON API under /api/v1, through Django's test client and the real database."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from mira.accounts.models import Firm, User
from mira.destinations.models import ClioConnection
from mira.sync.models import ClioContact, ClioMatter, ClioUser
from mira.timeentries.models import TimeEntry

PASSWORD = "api-test-password"


@pytest.fixture
def firm(db):
    return Firm.objects.create(name="Harbor & Vale LLP")


@pytest.fixture
def connection(firm):
    return ClioConnection.objects.create(
        firm=firm, region="us", client_id="app-key", client_secret="app-secret-value",
        matter_statuses=["Open"], status=ClioConnection.Status.CONNECTED, access_token="access-token-value",
        refresh_token="refresh-token-value", clio_user_name="Benjamin Lee", clio_account_name="Harbor & Vale LLP",
    )


@pytest.fixture
def matters(connection):
    now = timezone.now()
    client = ClioContact.objects.create(connection=connection, clio_id=501, name="Søren Ægidius", type="Person", synced_at=now)
    open_matter = ClioMatter.objects.create(
        connection=connection, clio_id=9001, display_number="00001-Ægidius", description="Lease dispute",
        status="Open", client=client, synced_at=now,
    )
    closed_matter = ClioMatter.objects.create(
        connection=connection, clio_id=9002, display_number="00002-Old", status="Closed", available=False, synced_at=now,
    )
    return open_matter, closed_matter


def make_user(firm, email, role) -> User:
    return User.objects.create_user(email, PASSWORD, role=role, firm=firm, first_name="Amelia", last_name="Ortiz")


def signed_in(user: User, **client_options) -> Client:
    client = Client(**client_options)
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def timekeeper(firm, connection):
    user = make_user(firm, "amelia.ortiz@harborvale.test", User.Role.TIMEKEEPER)
    ClioUser.objects.create(connection=connection, clio_id=77, name="Amelia Ortiz", email=user.email, synced_at=timezone.now())
    return user


def test_anonymous_request_unauthorized(db):
    response = Client().get("/api/v1/me")
    assert response.status_code == 401


def test_me_returns_user_and_firm(timekeeper, firm):
    body = signed_in(timekeeper).get("/api/v1/me").json()
    assert body["email"] == timekeeper.email
    assert body["role"] == "timekeeper"
    assert body["firm"]["account_id"] == firm.account_id
    assert body["firm"]["live"] is False


def test_matters_lists_only_available(timekeeper, matters):
    body = signed_in(timekeeper).get("/api/v1/matters").json()
    assert [matter["display_number"] for matter in body] == ["00001-Ægidius"]
    assert body[0]["client"] == "Søren Ægidius"


def test_create_entry_parses_duration(timekeeper, matters):
    open_matter, _ = matters
    response = signed_in(timekeeper).post(
        "/api/v1/time-entries",
        {"matter_id": open_matter.pk, "date": "2026-12-01", "duration": "1h 30m", "narrative": "Drafted the reply."},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["duration_seconds"] == 5400
    assert body["status"] == "draft"
    assert TimeEntry.objects.get(pk=body["id"]).timekeeper == timekeeper


def test_create_entry_rejects_bad_input(timekeeper, matters):
    _, closed_matter = matters
    response = signed_in(timekeeper).post(
        "/api/v1/time-entries",
        {"matter_id": closed_matter.pk, "date": "2026-12-01", "duration": "ninety", "narrative": " "},
        content_type="application/json",
    )
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert "no longer available" in fields["matter"][0]
    assert "ninety" in fields["duration"][0]
    assert "narrative" in fields
    assert not TimeEntry.objects.exists()


def test_approve_entry_moves_to_approved(timekeeper, matters, firm):
    open_matter, _ = matters
    entry = TimeEntry.objects.create(
        firm=firm, timekeeper=timekeeper, matter=open_matter, date=datetime.date(2026, 12, 1),
        duration_seconds=600, narrative="Call with client.",
    )
    response = signed_in(timekeeper).post(f"/api/v1/time-entries/{entry.pk}/approve")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    second = signed_in(timekeeper).post(f"/api/v1/time-entries/{entry.pk}/approve")
    assert second.status_code == 409
    assert second.json()["message"] == "Only drafts can be approved."


def test_approve_refused_without_clio_user(firm, connection, matters):
    stranger = make_user(firm, "no.match@harborvale.test", User.Role.TIMEKEEPER)
    open_matter, _ = matters
    entry = TimeEntry.objects.create(
        firm=firm, timekeeper=stranger, matter=open_matter, date=datetime.date(2026, 12, 1),
        duration_seconds=600, narrative="Research.",
    )
    response = signed_in(stranger).post(f"/api/v1/time-entries/{entry.pk}/approve")
    assert response.status_code == 409
    assert "No Clio user has your email no.match@harborvale.test" in response.json()["message"]
    entry.refresh_from_db()
    assert entry.status == TimeEntry.Status.DRAFT


def test_write_needs_csrf_token(timekeeper, matters):
    open_matter, _ = matters
    client = signed_in(timekeeper, enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/time-entries",
        {"matter_id": open_matter.pk, "date": "2026-12-01", "duration": "1", "narrative": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not TimeEntry.objects.exists()


def test_clio_connection_hides_secrets(firm, connection):
    admin = make_user(firm, "benjamin.lee@harborvale.test", User.Role.FIRM_ADMIN)
    response = signed_in(admin).get("/api/v1/destination/clio")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "connected"
    assert body["client_secret_saved"] is True
    assert [item["key"] for item in body["checklist"]] == [
        "app_created", "credentials_recorded", "configured", "authorized", "notified",
    ]
    for secret in ("app-secret-value", "access-token-value", "refresh-token-value"):
        assert secret not in response.content.decode()


def test_clio_connection_admin_only(timekeeper, connection):
    response = signed_in(timekeeper).get("/api/v1/destination/clio")
    assert response.status_code == 403


def test_customer_success_gets_forbidden(db):
    success = User.objects.create_user("success@matteroom.test", PASSWORD, role=User.Role.CUSTOMER_SUCCESS)
    response = signed_in(success).get("/api/v1/time-entries")
    assert response.status_code == 403


def test_openapi_schema_served(timekeeper):
    schema = signed_in(timekeeper).get("/api/v1/openapi.json").json()
    assert "/api/v1/time-entries" in schema["paths"]
    assert "/api/v1/destination/clio" in schema["paths"]
