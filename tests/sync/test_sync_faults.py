"""The sync job under faults and data changes made through the sandbox's control API over HTTP.

Faults are scripted per endpoint with POST /_sandbox/faults, data is changed the way a Clio user
would change it with POST /_sandbox/matters/... and /_sandbox/users/..., and what the sandbox served
is read back from GET /_sandbox/stats.
"""

from collections.abc import Callable

import httpx
import pytest
from django.utils import timezone

from mira.clio import build_http_client, deauthorize
from mira.destinations.models import ClioConnection
from mira.destinations.tokens import REAUTHORIZE_MESSAGE, region_for
from mira.sandbox.models import AccessToken, ActivityDescription, Matter, SandboxUser
from mira.sync.job import SyncOutcome, run_sync
from mira.sync.models import ClioActivityDescription, ClioContact, ClioMatter, ClioUser, SyncRun
from mira.timeentries.models import TimeEntry
from tests.sync.support import CHOSEN_STATUSES, RecordingTransport, endpoint_statuses
from tests.sync.test_sync import mirror_state

MATTERS = "/api/v4/matters.json"
MATTERS_ENDPOINT = f"GET {MATTERS}"
TOKEN_ENDPOINT = "POST /oauth/token"
# 25 records per page spreads the sandbox's Open and Pending matters over several pages.
PAGE_LIMIT = 25


def sync_with(connection, transport=None, **client_options) -> SyncOutcome:
    with build_http_client(transport=transport) as http:
        return run_sync(connection.pk, SyncRun.Trigger.MANUAL, http=http, client_options=client_options)


def latest_run(connection) -> SyncRun:
    return SyncRun.objects.filter(connection=connection).order_by("-started_at", "-pk").first()


def expected_counts() -> dict[str, int]:
    """Return what a complete sync must see, counted straight from the sandbox's tables."""
    chosen = Matter.objects.filter(status__in=CHOSEN_STATUSES)
    return {
        "users": SandboxUser.objects.count(),
        "matters": chosen.count(),
        "contacts": chosen.values("client_id").distinct().count(),
        "activity_descriptions": ActivityDescription.objects.count(),
    }


def add_fault(control, path: str, script: list, *, method: str = "*", **options) -> dict:
    return control.call("POST", "faults", {"path": path, "method": method, "script": script, **options})["data"]


def mirrored_matter(connection, clio_id: int) -> ClioMatter:
    return ClioMatter.objects.get(connection=connection, clio_id=clio_id)


def mirrored_user(connection, email: str) -> ClioUser:
    return ClioUser.objects.get(connection=connection, email=email)


def open_matter_ids(count: int) -> list[int]:
    # Matters without bills, because the sandbox, like Clio, refuses to delete a billed matter.
    matters = Matter.objects.filter(status="Open", bills__isnull=True).order_by("id")
    return list(matters.values_list("id", flat=True)[:count])


class HookTransport(httpx.BaseTransport):
    """A real HTTP transport that calls `before_api_request(n)` before the n-th request under /api/."""

    def __init__(self, before_api_request: Callable[[int], None]) -> None:
        self.inner = httpx.HTTPTransport()
        self.before_api_request = before_api_request
        self.api_requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/"):
            self.api_requests += 1
            self.before_api_request(self.api_requests)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


# -- Retryable faults the client rides out -------------------------------------------------------


def test_429_burst_and_503_mid_paging_complete(connection, sandbox_control):
    # Page 1 is served at once, page 2 after two 429s and page 3 after one 503. Later pages are served normally.
    add_fault(sandbox_control, MATTERS, ["ok", 429, 429, "ok", 503], method="GET", retry_after=1)
    waits: list[float] = []
    transport = RecordingTransport(page_limit=PAGE_LIMIT)

    outcome = sync_with(connection, transport, max_retries=3, sleep=waits.append)

    run = latest_run(connection)
    expected = expected_counts()
    assert outcome is SyncOutcome.SUCCEEDED
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.counts == expected
    assert ClioMatter.objects.filter(connection=connection, available=True).count() == expected["matters"]
    assert ClioUser.objects.filter(connection=connection).count() == expected["users"]
    assert ClioContact.objects.filter(connection=connection).count() == expected["contacts"]

    statuses = endpoint_statuses(sandbox_control, MATTERS_ENDPOINT)
    matter_requests = transport.paths().count(MATTERS)
    assert statuses.get("429") == 2
    assert statuses.get("503") == 1
    assert statuses.get("200") == matter_requests - 3
    assert matter_requests - 3 >= expected["matters"] // PAGE_LIMIT + 1

    # Each 429 was retried after its Retry-After of 1 second, and the 503 after a backoff.
    assert len(waits) == 3
    assert waits[:2] == [1.0, 1.0]


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("drop", "MIRA could not reach Clio"),
        ("truncate", "Clio returned an incomplete or unreadable response"),
    ],
)
def test_broken_later_page_fails_without_partial_apply(connection, sandbox_control, fault, message):
    sync_with(connection)
    before = mirror_state(connection)
    closed_id, renamed_id = open_matter_ids(2)
    kenji = SandboxUser.objects.get(email="kenji.watanabe@harborvale.test")
    # Changes a complete sync would apply, so any partial apply shows in the mirror.
    sandbox_control.call("POST", f"matters/{closed_id}/close", {})
    sandbox_control.call("POST", f"matters/{renamed_id}/edit", {"description": "Renamed in Clio"})
    sandbox_control.call("POST", f"users/{kenji.id}/disable", {})
    sandbox_control.call("DELETE", "stats")
    rule = add_fault(sandbox_control, MATTERS, ["ok", fault], method="GET")

    outcome = sync_with(connection, RecordingTransport(page_limit=PAGE_LIMIT))

    run = latest_run(connection)
    connection.refresh_from_db()
    [served_rule] = sandbox_control.call("GET", "faults")["data"]
    statuses = endpoint_statuses(sandbox_control, MATTERS_ENDPOINT)
    assert outcome is SyncOutcome.RETRY_LATER
    assert run.status == SyncRun.Status.FAILED
    assert message in run.error
    assert "HTTP 200" not in run.error
    assert served_rule["id"] == rule["id"]
    assert served_rule["served"] == 2
    # The broken page was the last request: nothing was fetched or retried after it.
    assert sum(statuses.values()) == 2
    assert statuses.get("dropped", 0) == (1 if fault == "drop" else 0)
    assert mirror_state(connection) == before
    # Retrying is MIRA's job, so the admin is not asked to act.
    assert connection.status == ClioConnection.Status.CONNECTED
    assert connection.last_error == ""

    # The script is spent, so the next run gets normal responses.
    retried = sync_with(connection, RecordingTransport(page_limit=PAGE_LIMIT))

    assert retried is SyncOutcome.SUCCEEDED
    assert latest_run(connection).counts == expected_counts()
    assert mirrored_matter(connection, closed_id).available is False
    assert mirrored_matter(connection, renamed_id).description == "Renamed in Clio"
    assert mirrored_user(connection, kenji.email).enabled is False


# -- Tokens revoked mid-run ----------------------------------------------------------------------


def test_token_revoked_mid_run_refreshed(connection, sandbox_control):
    first_access = connection.access_token
    first_refresh = connection.refresh_token
    # The fourth API response is served, then its access token is revoked, so the fifth request gets 401.
    add_fault(sandbox_control, "/api/v4/*", ["ok", "ok", "ok", "revoke"])

    outcome = sync_with(connection, RecordingTransport(page_limit=PAGE_LIMIT))

    connection.refresh_from_db()
    stats = sandbox_control.call("GET", "stats")
    unauthorized = sum(endpoint["statuses"].get("401", 0) for endpoint in stats["endpoints"].values())
    assert outcome is SyncOutcome.SUCCEEDED
    assert latest_run(connection).counts == expected_counts()
    assert unauthorized == 1
    assert endpoint_statuses(sandbox_control, TOKEN_ENDPOINT) == {"200": 1}
    assert connection.status == ClioConnection.Status.CONNECTED
    assert connection.access_token != first_access
    # The sandbox, like Clio, returns no new refresh token, so the stored one stays.
    assert connection.refresh_token == first_refresh
    assert AccessToken.objects.filter(revoked=True).count() == 1


def test_grant_revoked_mid_run_needs_reconnect(connection, sandbox_control):
    sync_with(connection)
    before = mirror_state(connection)
    sandbox_control.call("POST", f"matters/{open_matter_ids(1)[0]}/close", {})
    sandbox_control.call("DELETE", "stats")
    region = region_for(connection)
    access_token = connection.access_token

    def revoke_grant_before_fourth(count: int) -> None:
        # The control API cannot revoke a grant, so the test calls Clio's deauthorize endpoint, as removing
        # the app in Clio would. It revokes the grant, its access tokens and its refresh token.
        if count == 4:
            with build_http_client() as http:
                deauthorize(http, region, access_token)

    outcome = sync_with(connection, HookTransport(revoke_grant_before_fourth))

    connection.refresh_from_db()
    run = latest_run(connection)
    assert outcome is SyncOutcome.NEEDS_ACTION
    assert connection.status == ClioConnection.Status.NEEDS_RECONNECT
    assert connection.last_error == REAUTHORIZE_MESSAGE
    assert "Add to Clio" in connection.last_error
    assert run.status == SyncRun.Status.FAILED
    assert run.error == REAUTHORIZE_MESSAGE
    # One refresh was tried and rejected with invalid_grant, and no request was retried after it.
    assert endpoint_statuses(sandbox_control, TOKEN_ENDPOINT) == {"400": 1}
    assert mirror_state(connection) == before


# -- Data changed in Clio between runs -----------------------------------------------------------


def test_closed_matter_becomes_unavailable(connection, sandbox_control):
    sync_with(connection)
    matter_id = open_matter_ids(1)[0]

    sandbox_control.call("POST", f"matters/{matter_id}/close", {})
    outcome = sync_with(connection)

    mirrored = mirrored_matter(connection, matter_id)
    assert outcome is SyncOutcome.SUCCEEDED
    assert mirrored.available is False
    assert mirrored.status == "Closed"


def test_reopened_matter_becomes_available(connection, sandbox_control):
    sync_with(connection)
    matter_id = open_matter_ids(1)[0]
    sandbox_control.call("POST", f"matters/{matter_id}/close", {})
    sync_with(connection)
    assert mirrored_matter(connection, matter_id).available is False

    sandbox_control.call("POST", f"matters/{matter_id}/reopen", {})
    outcome = sync_with(connection)

    mirrored = mirrored_matter(connection, matter_id)
    assert outcome is SyncOutcome.SUCCEEDED
    assert mirrored.available is True
    assert mirrored.status == "Open"


def test_renumbered_matter_display_number_updates(connection, sandbox_control):
    sync_with(connection)
    matter_id = open_matter_ids(1)[0]

    renumbering = {"number": 90001, "display_number": "90001-Renumbered"}
    sandbox_control.call("POST", f"matters/{matter_id}/renumber", renumbering)
    outcome = sync_with(connection)

    mirrored = mirrored_matter(connection, matter_id)
    assert outcome is SyncOutcome.SUCCEEDED
    assert mirrored.display_number == "90001-Renumbered"
    assert mirrored.available is True


def test_deleted_matter_unavailable_entries_kept(connection, sandbox_control, timekeeper):
    sync_with(connection)
    matter_id = open_matter_ids(1)[0]
    mirrored = mirrored_matter(connection, matter_id)
    display_number = mirrored.display_number
    entry = TimeEntry.objects.create(
        firm=connection.firm, timekeeper=timekeeper, matter=mirrored, date=timezone.localdate(),
        duration_seconds=600, narrative="Call with client",
    )

    deleted = sandbox_control.call("POST", f"matters/{matter_id}/delete", {})
    outcome = sync_with(connection)

    mirrored.refresh_from_db()
    entry.refresh_from_db()
    assert deleted["deleted"] is True
    assert not Matter.objects.filter(pk=matter_id).exists()
    assert outcome is SyncOutcome.SUCCEEDED
    assert mirrored.available is False
    # Clio no longer returns the matter at all, so the mirror keeps its last known fields.
    assert mirrored.display_number == display_number
    assert entry.matter_id == mirrored.pk
    assert entry.narrative == "Call with client"


def test_new_user_appears(connection, sandbox_control):
    sync_with(connection)

    added = sandbox_control.call(
        "POST", "users", {"first_name": "Nia", "last_name": "Okoro", "email": "nia.okoro@harborvale.test"}
    )["data"]
    outcome = sync_with(connection)

    mirrored = mirrored_user(connection, "nia.okoro@harborvale.test")
    assert outcome is SyncOutcome.SUCCEEDED
    assert mirrored.clio_id == added["id"]
    assert mirrored.name == "Nia Okoro"
    assert mirrored.enabled is True
    assert latest_run(connection).counts["users"] == SandboxUser.objects.count()


def test_disabled_user_disabled_in_mirror(connection, sandbox_control):
    sync_with(connection)
    kenji = SandboxUser.objects.get(email="kenji.watanabe@harborvale.test")
    assert mirrored_user(connection, kenji.email).enabled is True

    sandbox_control.call("POST", f"users/{kenji.id}/disable", {})
    outcome = sync_with(connection)

    mirrored = mirrored_user(connection, kenji.email)
    assert outcome is SyncOutcome.SUCCEEDED
    assert mirrored.enabled is False
    # Clio lists disabled users too, so the user is updated, not dropped.
    assert ClioUser.objects.filter(connection=connection).count() == SandboxUser.objects.count()
