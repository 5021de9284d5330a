"""The Add to Clio popup in headless Chromium: popup opens, Clio consent, module refreshes by itself."""

import pytest

from mira.accounts.models import User
from tests.browser import close_popup
from tests.portal.sandbox_flow import OWNER_EMAIL, SANDBOX_PASSWORD, create_app

pytestmark = pytest.mark.browser
PASSWORD = "a long enough password"


@pytest.fixture
def signed_in_page(portal, browser_context, firm):  # noqa: F811
    User.objects.create_user("avery.admin@harborvale.test", PASSWORD, role=User.Role.FIRM_ADMIN, firm=firm)
    page = browser_context.new_page()
    page.goto(f"{portal.url}/accounts/sign-in/")
    page.fill("#id_email", "avery.admin@harborvale.test")
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{portal.url}/destination/")
    return page


def test_popup_connects_and_refreshes_module(signed_in_page):
    page = signed_in_page
    app = create_app()
    page.select_option("#id_region", "sandbox")
    page.fill("#id_client_id", app.client_id)
    page.fill("#id_client_secret", app.client_secret)

    with page.expect_popup() as popup_info:
        page.click("#add-to-clio")
    popup = popup_info.value
    popup.fill("#email", OWNER_EMAIL)
    popup.fill("#password", SANDBOX_PASSWORD)
    popup.click("#sign-in")
    popup.click("#allow-access")

    assert popup.text_content("#popup-status").strip() == "Connection successful"
    # The main page refreshes from the popup's message, while the popup is still open.
    page.wait_for_selector('[data-check="authorized"][data-done="true"]')
    assert "Benjamin Lee" in page.text_content("#clio-user")
    close_popup(popup)
    assert popup.is_closed()


def test_popup_shows_form_errors_then_page_does(signed_in_page):
    page = signed_in_page
    page.fill("#id_client_id", "has a space")
    page.fill("#id_client_secret", "anything")

    with page.expect_popup() as popup_info:
        page.click("#add-to-clio")
    popup = popup_info.value

    assert "Client ID contains spaces" in popup.text_content("#popup-message")
    close_popup(popup)
    # Closing the popup makes the page reload the module, which now shows the same error.
    page.wait_for_selector("#error-client-id")
    assert "Client ID contains spaces" in page.text_content("#error-client-id")
