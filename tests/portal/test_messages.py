"""Popup messages reworded for the Destination page, which has no window to close."""

import pytest

from mira.destinations import messages

POPUP_MESSAGES = [
    messages.STATE_INVALID,
    messages.ACCESS_DENIED,
    messages.CODE_MISSING,
    messages.CREDENTIALS_CHANGED,
    messages.INVALID_CLIENT,
    messages.INVALID_GRANT,
    messages.CLIO_UNREACHABLE,
    messages.REGION_UNAVAILABLE,
]


@pytest.mark.parametrize("message", POPUP_MESSAGES)
def test_page_message_mentions_no_window(message):
    page_message = messages.for_page(message)
    assert "window" not in page_message.lower()
    assert "Add to Clio" in page_message


def test_page_message_keeps_next_step():
    page_message = messages.for_page(messages.ACCESS_DENIED)
    assert page_message == (
        "You chose DENY ACCESS in Clio, so MIRA is not connected. "
        "Click Add to Clio again, then choose ALLOW ACCESS."
    )


def test_unreachable_page_message_reads_plainly():
    page_message = messages.for_page(messages.CLIO_UNREACHABLE)
    assert page_message.endswith("Wait a minute, then click Add to Clio again.")
