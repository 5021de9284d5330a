"""The whole Clio integration guide in a real browser: the portal and the sandbox as live servers.

The worker is run for real between steps with `db_worker --batch`, the command `mira worker` runs.
"""

import logging
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from mira.demo import DEMO_PASSWORD, ensure_demo_firm
from mira.destinations.models import ClioConnection
from mira.sync.models import ClioMatter
from mira.timeentries.models import TimeEntry
from tests.browser import close_popup

pytestmark = pytest.mark.browser

SANDBOX_PASSWORD = "clio-sandbox"
ADMIN_EMAIL = "benjamin.lee@harborvale.test"
TIMEKEEPER_EMAIL = "amelia.ortiz@harborvale.test"
SUCCESS_EMAIL = "success@matteroom.test"
PERMISSIONS = {
    "permission_activities": "read_write",
    "permission_api": "read_write",
    "permission_billing": "read",
    "permission_contacts": "read",
    "permission_matters": "read",
    "permission_users": "read",
    "permission_client_share_permissions": "read",
}


def run_worker() -> None:
    call_command("db_worker", batch=True, queue_name="*", interval=0, reload=False, startup_delay=False, verbosity=0)


def sign_in_to_portal(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/sign-in/")
    page.fill("#sign-in-form input[name=username]", email)
    page.fill("#sign-in-form input[name=password]", DEMO_PASSWORD)
    page.click("#sign-in")
    expect(page.locator("#sign-out")).to_be_visible()


def sign_out_of_portal(page: Page) -> None:
    page.click("#sign-out")
    expect(page.locator("#sign-in-form")).to_be_visible()


def create_sandbox_app(page: Page, sandbox_url: str, portal_url: str) -> tuple[str, str]:
    """Step 1 and 2 of the guide: create the app in the developer portal and copy its credentials."""
    page.goto(f"{sandbox_url}/developers/")
    page.fill("#email", ADMIN_EMAIL)
    page.fill("#password", SANDBOX_PASSWORD)
    page.click("#sign-in")
    page.get_by_role("link", name="New App").click()
    page.fill("#name", "MIRALink")
    page.fill("#website_url", portal_url)
    page.fill("#redirect_uris", f"{portal_url}/oauth/callback")
    for field, level in PERMISSIONS.items():
        page.select_option(f"#{field}", level)
    page.click("#accept-agreements")
    client_id = page.locator("#client-id").inner_text().strip()
    client_secret = page.locator("#client-secret").inner_text().strip()
    assert client_id
    assert client_secret
    return client_id, client_secret


def fill_clio_module(page: Page, client_id: str, client_secret: str) -> None:
    """Step 3 of the guide: the Destination tab's Clio module."""
    page.click("#nav-destination")
    page.select_option("#id_region", "sandbox")
    page.fill("#id_client_id", client_id)
    page.fill("#id_client_secret", client_secret)
    page.check("#id_matter_status_open")
    page.check("#id_matter_status_pending")


def checklist_item(page: Page, key: str):
    return page.locator(f"#completion-checklist [data-check={key}]")


@pytest.mark.django_db(transaction=True)
def test_guide_end_to_end(portal, sandbox, browser_context, caplog):
    caplog.set_level(logging.DEBUG)
    firm = ensure_demo_firm()
    page = browser_context.new_page()

    client_id, client_secret = create_sandbox_app(page, sandbox.base_url, portal.url)

    sign_in_to_portal(page, portal.url, ADMIN_EMAIL)
    account_id = page.locator("#account-id").inner_text().strip()
    assert account_id == firm.account_id
    fill_clio_module(page, client_id, client_secret)
    expect(page.locator("#redirect-uri")).to_have_value(f"{portal.url}/oauth/callback")

    # Step 4: the popup signs in to Clio (the sandbox session is still open) and asks for consent.
    with page.expect_popup() as popup_info:
        page.click("#add-to-clio")
    popup = popup_info.value
    expect(popup.locator("#consent-app")).to_have_text("MIRALink")
    expect(popup.locator("#consent-permissions")).to_contain_text("Activities: Read/Write")
    popup.click("#allow-access")

    # Step 5: "Connection successful" with a Close button; the main page updates by itself.
    expect(popup.locator("#popup-status")).to_have_text("Connection successful")
    close_popup(popup)
    expect(page.locator("#clio-connected-banner")).to_be_visible()
    expect(page.locator("#clio-user")).to_contain_text("Benjamin Lee")
    expect(page.locator("#clio-account")).to_contain_text("Harbor & Vale LLP")
    expect(page.locator("#clio-matter-statuses")).to_have_text("Open, Pending")
    expect(checklist_item(page, "authorized")).to_have_attribute("data-done", "true")
    expect(checklist_item(page, "notified")).to_have_attribute("data-done", "false")

    connection = ClioConnection.objects.get(firm=firm)
    assert connection.status == ClioConnection.Status.CONNECTED
    assert client_secret not in page.content()

    # The first sync runs on the worker; the page then shows its counts.
    run_worker()
    assert ClioMatter.objects.filter(connection=connection, available=True).exists()
    assert not ClioMatter.objects.filter(connection=connection, status="Closed").exists()
    page.reload()
    expect(page.locator("#clio-last-sync [data-sync-status]")).to_have_attribute("data-sync-status", "succeeded")
    expect(page.locator("#clio-counts")).to_contain_text(re.compile(r"[1-9]\d* available matters"))

    # Step 6: notify Customer Success, which completes the checklist.
    page.click("#notify-customer-success")
    expect(page.locator("#notify-status")).to_contain_text("customer.success@matteroom.com")
    for key in ("app_created", "credentials_recorded", "configured", "authorized", "notified"):
        expect(checklist_item(page, key)).to_have_attribute("data-done", "true")
    sign_out_of_portal(page)

    # A timekeeper records and approves time before go-live: it waits and says why.
    sign_in_to_portal(page, portal.url, TIMEKEEPER_EMAIL)
    page.click("#new-entry")
    matter = ClioMatter.objects.filter(connection=connection, available=True).first()
    page.select_option("#id_matter", str(matter.pk))
    page.fill("#id_duration", "1:30")
    page.fill("#id_narrative", "Reviewed the lease amendment and called the client.")
    page.click("#save-draft")
    entry = TimeEntry.objects.get(timekeeper__email=TIMEKEEPER_EMAIL)
    row = page.locator(f"#entry-{entry.pk}")
    row.get_by_role("button", name="Approve").click()
    expect(row).to_have_attribute("data-status", "approved")
    expect(row).to_contain_text("Waiting for go-live")
    run_worker()
    entry.refresh_from_db()
    assert entry.status == TimeEntry.Status.APPROVED
    sign_out_of_portal(page)

    # Customer Success activates the account.
    sign_in_to_portal(page, portal.url, SUCCESS_EMAIL)
    page.click("#nav-customer-success")
    page.click(f"#go-live-{firm.account_id}")
    expect(page.locator(f"#live-accounts [data-account-id={firm.account_id}]")).to_be_visible()
    sign_out_of_portal(page)

    # The worker posts the entry; the timekeeper sees it posted with its Clio activity id.
    run_worker()
    entry.refresh_from_db()
    assert entry.status == TimeEntry.Status.POSTED
    assert entry.clio_activity_id
    sign_in_to_portal(page, portal.url, TIMEKEEPER_EMAIL)
    page.goto(f"{portal.url}/time/")
    row = page.locator(f"#entry-{entry.pk}")
    expect(row).to_contain_text("Posted to Clio")
    expect(row).to_contain_text(str(entry.clio_activity_id))

    # The sandbox holds the TimeEntry for that user and matter, with the quantity in seconds.
    from mira.sandbox.models import Activity

    activity = Activity.objects.get(pk=entry.clio_activity_id)
    assert activity.type == "TimeEntry"
    assert activity.quantity == 5400
    assert activity.matter_id == matter.clio_id
    assert activity.user.email == TIMEKEEPER_EMAIL
    assert activity.note == "Reviewed the lease amendment and called the client."

    # No secret reached a log line of the portal, the worker or the sandbox along the way.
    connection.refresh_from_db()
    assert f"clio_activity_id={entry.clio_activity_id}" in caplog.text
    for secret in (client_secret, connection.access_token, connection.refresh_token):
        assert secret
        assert secret not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_guide_deny_access(portal, sandbox, browser_context):
    firm = ensure_demo_firm()
    page = browser_context.new_page()
    client_id, client_secret = create_sandbox_app(page, sandbox.base_url, portal.url)
    sign_in_to_portal(page, portal.url, ADMIN_EMAIL)
    fill_clio_module(page, client_id, client_secret)

    with page.expect_popup() as popup_info:
        page.click("#add-to-clio")
    popup = popup_info.value
    popup.click("#deny-access")

    expect(popup.locator("#popup-status")).to_have_text("Not connected")
    expect(popup.locator("#popup-message")).to_contain_text("DENY ACCESS")
    close_popup(popup)

    expect(checklist_item(page, "authorized")).to_have_attribute("data-done", "false")
    expect(page.locator("#clio-last-error")).to_contain_text("DENY ACCESS")
    expect(page.locator("#clio-last-error")).not_to_contain_text("Close this window")
    connection = ClioConnection.objects.get(firm=firm)
    assert connection.status != ClioConnection.Status.CONNECTED
    assert connection.access_token == ""
    assert connection.refresh_token == ""
