"""The timekeeper pages: drafts, approval (plain and htmx), return to draft, and who may see what."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mira.accounts.models import Firm, User
from mira.destinations.models import ClioConnection
from mira.sync.models import ClioActivityDescription, ClioContact, ClioMatter, ClioUser
from mira.timeentries.models import TimeEntry
from mira.timeentries.tasks import deliver_time_entries
from mira.timeentries.views import GO_LIVE_WAIT_MESSAGE

PASSWORD = "a-long-password"


@pytest.fixture
def mirror(transactional_db):
    """A connected firm whose mirror holds two Clio users, two matters (one unavailable) and an activity."""
    firm = Firm.objects.create(name="Harbor & Vale LLP")
    connection = ClioConnection.objects.create(
        firm=firm, region="us", client_id="app-key", client_secret="app-secret", access_token="token",
        status=ClioConnection.Status.CONNECTED, matter_statuses=["Open", "Pending"],
    )
    now = timezone.now()
    ClioUser.objects.create(connection=connection, clio_id=11, name="Amelia Ortiz", email="amelia.ortiz@harborvale.test", synced_at=now)
    ClioUser.objects.create(connection=connection, clio_id=12, name="Ólafur Sigurðsson", email="olafur@harborvale.test", enabled=False, synced_at=now)
    client = ClioContact.objects.create(connection=connection, clio_id=21, name="Nordlys Shipping AS", type="Company", synced_at=now)
    open_matter = ClioMatter.objects.create(
        connection=connection, clio_id=31, display_number="00031-Nordlys", description="Charter dispute",
        status="Open", client=client, synced_at=now,
    )
    ClioMatter.objects.create(
        connection=connection, clio_id=32, display_number="00032-Closed", description="Old matter",
        status="Closed", client=client, available=False, synced_at=now,
    )
    ClioActivityDescription.objects.create(connection=connection, clio_id=41, name="Client call", synced_at=now)
    return {"firm": firm, "connection": connection, "matter": open_matter}


def signed_in(client, firm, email, role=User.Role.TIMEKEEPER):
    user = User.objects.create_user(email, PASSWORD, firm=firm, role=role)
    client.force_login(user)
    return user


def draft(user, matter, **fields):
    values = {"date": datetime.date(2026, 3, 2), "duration_seconds": 1800, "narrative": "Call with the client"}
    values.update(fields)
    return TimeEntry.objects.create(firm=user.firm, timekeeper=user, matter=matter, **values)


def form_data(matter, **overrides):
    data = {"matter": matter.pk, "activity_description": "", "date": "2026-03-02", "duration": "1:30", "narrative": "Drafted the reply"}
    data.update(overrides)
    return data


def test_create_draft_stores_seconds(client, mirror):
    user = signed_in(client, mirror["firm"], "amelia.ortiz@harborvale.test")

    response = client.post(reverse("timeentries:create"), form_data(mirror["matter"]))

    entry = TimeEntry.objects.get()
    assert response.status_code == 302
    assert entry.timekeeper == user
    assert entry.duration_seconds == 5400
    assert entry.status == TimeEntry.Status.DRAFT
    assert entry.narrative == "Drafted the reply"


def test_create_draft_rejects_bad_duration(client, mirror):
    signed_in(client, mirror["firm"], "amelia.ortiz@harborvale.test")

    response = client.post(reverse("timeentries:create"), form_data(mirror["matter"], duration="an hour"))

    assert response.status_code == 200
    assert "“an hour” is not a duration MIRA understands" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_create_draft_requires_narrative(client, mirror):
    signed_in(client, mirror["firm"], "amelia.ortiz@harborvale.test")

    response = client.post(reverse("timeentries:create"), form_data(mirror["matter"], narrative="   "))

    assert "Describe the work" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_form_offers_only_available_matters(client, mirror):
    signed_in(client, mirror["firm"], "amelia.ortiz@harborvale.test")

    page = client.get(reverse("timeentries:create")).content.decode()

    assert "00031-Nordlys · Charter dispute (Nordlys Shipping AS)" in page
    assert "00032-Closed" not in page
    assert "Client call" in page


def test_form_rejects_unavailable_matter(client, mirror):
    signed_in(client, mirror["firm"], "amelia.ortiz@harborvale.test")
    closed = ClioMatter.objects.get(clio_id=32)

    response = client.post(reverse("timeentries:create"), form_data(closed))

    assert "no longer available for new time" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_approval_refused_without_clio_user(client, mirror):
    user = signed_in(client, mirror["firm"], "nobody@harborvale.test")
    entry = draft(user, mirror["matter"])

    response = client.post(reverse("timeentries:approve", args=[entry.pk]), follow=True)

    entry.refresh_from_db()
    assert entry.status == TimeEntry.Status.DRAFT
    assert "No Clio user has your email nobody@harborvale.test" in response.content.decode()


def test_approval_refused_for_disabled_clio_user(client, mirror):
    user = signed_in(client, mirror["firm"], "OLAFUR@harborvale.test")
    entry = draft(user, mirror["matter"])

    response = client.post(reverse("timeentries:approve", args=[entry.pk]), follow=True)

    entry.refresh_from_db()
    assert entry.status == TimeEntry.Status.DRAFT
    assert "is disabled in Clio" in response.content.decode()


def test_list_explains_missing_clio_user(client, mirror):
    signed_in(client, mirror["firm"], "nobody@harborvale.test")

    page = client.get(reverse("timeentries:list")).content.decode()

    assert 'id="clio-user-problem"' in page
    assert "No Clio user has your email nobody@harborvale.test; ask your firm admin" in page


def test_approval_before_go_live_waits(client, mirror):
    # Matching ignores the case of the email.
    user = signed_in(client, mirror["firm"], "Amelia.Ortiz@HarborVale.test")
    entry = draft(user, mirror["matter"])

    response = client.post(reverse("timeentries:approve", args=[entry.pk]), follow=True)

    entry.refresh_from_db()
    page = response.content.decode()
    assert entry.status == TimeEntry.Status.APPROVED
    assert entry.approved_at is not None
    assert "Approved — waiting" in page
    assert escape(GO_LIVE_WAIT_MESSAGE) in page
    assert not DBTaskResult.objects.filter(task_path=deliver_time_entries.module_path).exists()


def test_approval_when_live_queues_delivery(client, mirror):
    Firm.objects.filter(pk=mirror["firm"].pk).update(live_at=timezone.now())
    user = signed_in(client, mirror["firm"], "amelia.ortiz@harborvale.test")
    entry = draft(user, mirror["matter"])

    client.post(reverse("timeentries:approve", args=[entry.pk]))

    queued = DBTaskResult.objects.get(task_path=deliver_time_entries.module_path, status=TaskResultStatus.READY)
    assert queued.args_kwargs["kwargs"] == {"firm_id": mirror["firm"].pk}


def test_approval_with_htmx_returns_row(client, mirror):
    user = signed_in(client, mirror["firm"], "amelia.ortiz@harborvale.test")
    entry = draft(user, mirror["matter"])

    response = client.post(reverse("timeentries:approve", args=[entry.pk]), HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith(f'<tr id="entry-{entry.pk}"')
    assert 'data-status="approved"' in body
    assert "Entry approved." in body


def test_return_to_draft_before_posting(client, mirror):
    user = signed_in(client, mirror["firm"], "amelia.ortiz@harborvale.test")
    entry = draft(user, mirror["matter"], status=TimeEntry.Status.APPROVED, approved_at=timezone.now())

    client.post(reverse("timeentries:return_to_draft", args=[entry.pk]))

    entry.refresh_from_db()
    assert entry.status == TimeEntry.Status.DRAFT
    assert entry.approved_at is None


def test_return_to_draft_refused_once_posting_started(client, mirror):
    user = signed_in(client, mirror["firm"], "amelia.ortiz@harborvale.test")
    entry = draft(
        user, mirror["matter"], status=TimeEntry.Status.APPROVED, approved_at=timezone.now(), posting_started_at=timezone.now()
    )

    response = client.post(reverse("timeentries:return_to_draft", args=[entry.pk]), follow=True)

    entry.refresh_from_db()
    assert entry.status == TimeEntry.Status.APPROVED
    assert "started posting it to Clio" in response.content.decode()


def test_edit_and_delete_only_drafts(client, mirror):
    user = signed_in(client, mirror["firm"], "amelia.ortiz@harborvale.test")
    posted = draft(user, mirror["matter"], status=TimeEntry.Status.POSTED, clio_activity_id=99)
    editable = draft(user, mirror["matter"])

    client.post(reverse("timeentries:edit", args=[posted.pk]), form_data(mirror["matter"], narrative="Changed"))
    client.post(reverse("timeentries:delete", args=[posted.pk]))
    client.post(reverse("timeentries:edit", args=[editable.pk]), form_data(mirror["matter"], duration="90m"))

    posted.refresh_from_db()
    editable.refresh_from_db()
    assert posted.narrative == "Call with the client"
    assert editable.duration_seconds == 5400

    client.post(reverse("timeentries:delete", args=[editable.pk]))
    assert list(TimeEntry.objects.values_list("pk", flat=True)) == [posted.pk]


def test_list_shows_posted_and_failed(client, mirror):
    user = signed_in(client, mirror["firm"], "amelia.ortiz@harborvale.test")
    draft(user, mirror["matter"], status=TimeEntry.Status.POSTED, clio_activity_id=123456)
    draft(user, mirror["matter"], status=TimeEntry.Status.FAILED, delivery_error="Clio rejected this entry because matter X is now Closed in Clio.")

    page = client.get(reverse("timeentries:list")).content.decode()

    assert "Posted to Clio" in page
    assert "Clio activity 123456" in page
    assert "Needs attention" in page
    assert "is now Closed in Clio" in page


def test_other_timekeepers_entries_not_found(client, mirror):
    owner = User.objects.create_user("amelia.ortiz@harborvale.test", PASSWORD, firm=mirror["firm"])
    entry = draft(owner, mirror["matter"])
    signed_in(client, mirror["firm"], "kenji@harborvale.test")

    response = client.post(reverse("timeentries:approve", args=[entry.pk]))
    page = client.get(reverse("timeentries:list")).content.decode()

    assert response.status_code == 404
    assert f'id="entry-{entry.pk}"' not in page


def test_customer_success_forbidden(client, mirror):
    user = User.objects.create_user("cs@matteroom.test", PASSWORD, role=User.Role.CUSTOMER_SUCCESS)
    client.force_login(user)

    assert client.get(reverse("timeentries:list")).status_code == 403


def test_signed_out_redirected_to_sign_in(client, mirror):
    response = client.get(reverse("timeentries:list"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
