"""Clients for the control API and the API v4 of a sandbox running in the test process."""

import httpx

from mira.sandbox.models import Activity, Contact, Matter, SandboxUser
from tests.sandbox.helpers import connect


def control(base_url: str, key: str | None = None) -> httpx.Client:
    headers = {"X-Sandbox-Control-Key": key} if key else {}
    return httpx.Client(base_url=base_url + "/_sandbox", headers=headers, timeout=10)


def api_client(base_url: str, timeout: float = 10) -> httpx.Client:
    """Return an httpx client for /api/v4 holding a real access token from the OAuth flow."""
    token = connect(base_url).access_token
    return httpx.Client(base_url=base_url + "/api/v4", headers={"Authorization": f"Bearer {token}"}, timeout=timeout)


def first_matter(status: str = "Open") -> Matter:
    return Matter.objects.filter(status=status).order_by("id").first()


def first_client() -> Contact:
    return Contact.objects.order_by("id").first()


def first_enabled_user() -> SandboxUser:
    return SandboxUser.objects.filter(enabled=True, account_owner=False).order_by("id").first()


def unbilled_activities_of_one_matter(count: int) -> list[Activity]:
    """Return `count` activities of the first matter that has at least that many, none on a bill."""
    for matter in Matter.objects.order_by("id"):
        activities = list(Activity.objects.filter(matter=matter, bill__isnull=True).order_by("id")[:count])
        if len(activities) == count:
            return activities
    raise AssertionError(f"no matter has {count} unbilled activities in the seeded data")
