"""The sandbox's control page in headless Chromium: its forms reach the control API."""

import json

import pytest

from mira.sandbox.faults import STORE
from mira.sandbox.models import Matter
from tests.sandbox_control.helpers import first_matter

pytestmark = pytest.mark.browser


@pytest.fixture
def control_page(sandbox, browser_context):
    page = browser_context.new_page()
    page.goto(f"{sandbox.base_url}/_sandbox/")
    return page


def test_page_closes_matter(control_page):
    matter = first_matter()

    form = control_page.locator("#matter-status")
    form.locator("input[name=record_id]").fill(str(matter.id))
    form.locator("select[name=action_name]").select_option("close")
    form.get_by_role("button", name="Apply").click()

    control_page.wait_for_url(f"**/_sandbox/matters/{matter.id}/close")
    shown = json.loads(control_page.locator("body").inner_text())
    assert shown["data"]["status"] == "Closed"
    assert Matter.objects.get(pk=matter.id).status == "Closed"


def test_page_adds_and_clears_faults(control_page, sandbox):
    form = control_page.locator("#fault-add")
    form.locator("input[name=script]").fill("429,ok")
    form.get_by_role("button", name="Add fault rule").click()
    control_page.wait_for_url("**/_sandbox/faults")
    assert [rule["script"] for rule in STORE.list()] == [[429, "ok"]]

    control_page.goto(f"{sandbox.base_url}/_sandbox/")
    assert control_page.locator("#fault-rules").inner_text().count("429") == 1
    # The button sends DELETE with fetch and reloads the page once the sandbox has answered.
    with control_page.expect_navigation():
        control_page.locator("#fault-clear").get_by_role("button", name="Remove all fault rules").click()
    assert STORE.list() == []


def test_page_bad_random_probability(control_page):
    form = control_page.locator("#fault-add")
    form.locator("input[name=random]").fill("drop=sometimes")
    form.get_by_role("button", name="Add fault rule").click()

    control_page.wait_for_url("**/_sandbox/faults")
    shown = json.loads(control_page.locator("body").inner_text())
    assert shown["error"]["message"].startswith("random item 'drop=sometimes' is invalid")
    assert STORE.list() == []
