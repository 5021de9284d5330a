"""The OAuth state kept in the session: single use, expiring after 10 minutes."""

import time

from django.contrib.sessions.backends.signed_cookies import SessionStore

from mira.destinations.oauth_state import STATE_LIFETIME_SECONDS, consume_state, start_authorization


def new_state(session) -> str:
    return start_authorization(session, connection_id=7, region="sandbox", client_id="abc")


def test_state_consumed_once():
    session = SessionStore()
    state = new_state(session)

    first = consume_state(session, state)
    second = consume_state(session, state)

    assert first is not None
    assert first.connection_id == 7
    assert first.client_id == "abc"
    assert second is None


def test_state_unknown_or_empty():
    session = SessionStore()
    new_state(session)

    assert consume_state(session, "someone-elses-state") is None
    assert consume_state(session, "") is None


def test_state_expires_after_ten_minutes():
    session = SessionStore()
    state = new_state(session)
    issued = time.time()

    assert consume_state(session, state, now=issued + STATE_LIFETIME_SECONDS + 1) is None


def test_state_valid_just_before_expiry():
    session = SessionStore()
    state = new_state(session)

    assert consume_state(session, state, now=time.time() + STATE_LIFETIME_SECONDS - 5) is not None


def test_states_are_random_and_several_may_wait():
    session = SessionStore()
    first = new_state(session)
    second = new_state(session)

    assert first != second
    assert len(first) >= 40
    assert consume_state(session, first) is not None
    assert consume_state(session, second) is not None
