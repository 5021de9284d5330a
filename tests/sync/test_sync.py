"""The sync job against the running Clio sandbox: what it mirrors, and how each failure kind ends."""

import pytest
from django.utils import timezone

from mira.clio import build_http_client
from mira.destinations.models import ClioConnection
from mira.sandbox.models import ActivityDescription, Matter, SandboxUser
from mira.sync.job import SyncOutcome, run_sync
from mira.sync.models import ClioActivityDescription, ClioContact, ClioMatter, ClioUser, SyncRun
from mira.timeentries.models import TimeEntry
from tests.sync.support import CHOSEN_STATUSES, RecordingTransport, closed_port_url


def sync_with(connection, transport=None) -> SyncOutcome:
    with build_http_client(transport=transport) as http:
        return run_sync(connection.pk, SyncRun.Trigger.MANUAL, http=http)


def mirror_state(connection) -> dict:
    """Return every mirrored row's fields, to compare the mirror before and after a run."""
    return {
        model.__name__: sorted(
            (row.clio_id, tuple(sorted((k, str(v)) for k, v in row.__dict__.items() if k not in ("_state", "synced_at"))))
            for row in model.objects.filter(connection=connection)
        )
        for model in (ClioUser, ClioContact, ClioMatter, ClioActivityDescription)
    }


def test_full_sync_counts_match_sandbox(connection):
    transport = RecordingTransport(page_limit=25)

    outcome = sync_with(connection, transport)

    chosen = Matter.objects.filter(status__in=CHOSEN_STATUSES)
    expected = {
        "users": SandboxUser.objects.count(),
        "matters": chosen.count(),
        "contacts": chosen.values("client_id").distinct().count(),
        "activity_descriptions": ActivityDescription.objects.count(),
    }
    run = SyncRun.objects.get(connection=connection)
    assert outcome is SyncOutcome.SUCCEEDED
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.counts == expected
    assert run.finished_at is not None
    assert ClioUser.objects.filter(connection=connection).count() == expected["users"]
    assert ClioMatter.objects.filter(connection=connection, available=True).count() == expected["matters"]
    assert ClioContact.objects.filter(connection=connection).count() == expected["contacts"]
    assert ClioActivityDescription.objects.filter(connection=connection).count() == expected["activity_descriptions"]

    # 25 per page: the matters took several pages, and every page was followed to the end.
    matter_pages = transport.paths().count("/api/v4/matters.json")
    assert matter_pages >= expected["matters"] // 25 + 1
    assert matter_pages > 3


def test_full_sync_copies_matter_fields(connection):
    sync_with(connection)

    sandbox_matter = Matter.objects.filter(status="Open").select_related("client").first()
    mirrored = ClioMatter.objects.select_related("client").get(connection=connection, clio_id=sandbox_matter.id)
    assert mirrored.display_number == sandbox_matter.display_number
    assert mirrored.description == sandbox_matter.description
    assert mirrored.status == "Open"
    assert mirrored.client.name == sandbox_matter.client.name
    assert mirrored.available is True


def test_closed_matters_are_not_mirrored(connection):
    sync_with(connection)

    closed_ids = set(Matter.objects.filter(status="Closed").values_list("id", flat=True))
    mirrored_ids = set(ClioMatter.objects.filter(connection=connection).values_list("clio_id", flat=True))
    assert closed_ids
    assert not closed_ids & mirrored_ids


def test_matter_closed_in_clio_becomes_unavailable(connection, timekeeper):
    sync_with(connection)
    sandbox_matter = Matter.objects.filter(status="Open").first()
    mirrored = ClioMatter.objects.get(connection=connection, clio_id=sandbox_matter.id)
    entry = TimeEntry.objects.create(
        firm=connection.firm, timekeeper=timekeeper, matter=mirrored, date=timezone.localdate(),
        duration_seconds=600, narrative="Call with client",
    )

    # Clio's user closes the matter.
    Matter.objects.filter(pk=sandbox_matter.pk).update(status="Closed", close_date=timezone.localdate(), updated_at=timezone.now())
    outcome = sync_with(connection)

    mirrored.refresh_from_db()
    assert outcome is SyncOutcome.SUCCEEDED
    assert mirrored.available is False
    assert mirrored.status == "Closed"
    assert TimeEntry.objects.get(pk=entry.pk).matter_id == mirrored.pk
    assert SyncRun.objects.filter(connection=connection).first().counts["matters"] == Matter.objects.filter(
        status__in=CHOSEN_STATUSES
    ).count()


def test_matter_reopened_in_clio_becomes_available(connection):
    sync_with(connection)
    sandbox_matter = Matter.objects.filter(status="Open").first()
    Matter.objects.filter(pk=sandbox_matter.pk).update(status="Closed", updated_at=timezone.now())
    sync_with(connection)

    Matter.objects.filter(pk=sandbox_matter.pk).update(status="Pending", updated_at=timezone.now())
    sync_with(connection)

    mirrored = ClioMatter.objects.get(connection=connection, clio_id=sandbox_matter.id)
    assert mirrored.available is True
    assert mirrored.status == "Pending"


def test_fetch_failure_mid_sync_leaves_mirror_unchanged(connection):
    sync_with(connection)
    before = mirror_state(connection)

    # Changes a complete sync would apply: a matter closed, another renamed, a user disabled.
    open_matters = list(Matter.objects.filter(status="Open")[:2])
    Matter.objects.filter(pk=open_matters[0].pk).update(status="Closed", updated_at=timezone.now())
    Matter.objects.filter(pk=open_matters[1].pk).update(description="Renamed in Clio", updated_at=timezone.now())
    SandboxUser.objects.filter(email="kenji.watanabe@harborvale.test").update(enabled=False, updated_at=timezone.now())

    # Clio becomes unreachable after the second page of matters: later requests go to a closed port.
    unreachable = closed_port_url()

    def after_second_matters_page(sent):
        return unreachable if [r.url.path for r in sent].count("/api/v4/matters.json") >= 2 else None

    transport = RecordingTransport(page_limit=25, redirect=after_second_matters_page)
    outcome = sync_with(connection, transport)

    run = SyncRun.objects.filter(connection=connection).first()
    assert outcome is SyncOutcome.RETRY_LATER
    assert run.status == SyncRun.Status.FAILED
    assert "could not reach Clio" in run.error
    assert mirror_state(connection) == before


def test_unreachable_clio_fails_run_plainly(connection, clio_settings):
    clio_settings.MIRA_SANDBOX_URL = closed_port_url()

    outcome = sync_with(connection)

    run = SyncRun.objects.get(connection=connection)
    connection.refresh_from_db()
    assert outcome is SyncOutcome.RETRY_LATER
    assert run.status == SyncRun.Status.FAILED
    assert run.error.startswith("MIRA could not reach Clio")
    # Retrying later is MIRA's job, so the admin is not asked to act.
    assert connection.last_error == ""
    assert connection.status == ClioConnection.Status.CONNECTED


def test_sync_of_unconnected_connection_is_skipped(connection):
    ClioConnection.objects.filter(pk=connection.pk).update(status=ClioConnection.Status.NEEDS_RECONNECT)

    outcome = sync_with(connection)

    assert outcome is SyncOutcome.SKIPPED
    assert not SyncRun.objects.filter(connection=connection).exists()


def test_unknown_matter_status_is_a_bug_that_raises(connection):
    # A status Clio does not know can only come from a bug in what MIRA stored.
    ClioConnection.objects.filter(pk=connection.pk).update(matter_statuses=["Archived"])

    with pytest.raises(ValueError):
        sync_with(connection)

    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncRun.Status.FAILED
    assert "internal error" in run.error
    assert ClioMatter.objects.filter(connection=connection).count() == 0


def test_sync_closes_interrupted_runs(connection):
    stale = SyncRun.objects.create(connection=connection, trigger=SyncRun.Trigger.SCHEDULE)

    run_sync(connection.pk, SyncRun.Trigger.MANUAL)

    stale.refresh_from_db()
    assert stale.status == SyncRun.Status.FAILED
    assert stale.finished_at is not None
    assert "stopped before it finished" in stale.error
    latest = SyncRun.objects.filter(connection=connection).order_by("-started_at").first()
    assert latest.status == SyncRun.Status.SUCCEEDED
