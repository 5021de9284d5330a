"""Each page is open to its role only: anonymous users sign in, other roles get 403."""

import pytest
from django.urls import reverse

from tests.portal.conftest import make_connected

ADMIN_PAGES = [
    ("get", "destinations:page", []),
    ("get", "destinations:clio_module", []),
    ("post", "destinations:add_to_clio", []),
    ("post", "destinations:sync_now", []),
    ("post", "destinations:disconnect", []),
    ("post", "activation:notify", []),
]
CS_PAGES = [
    ("get", "activation:console", []),
]


def call(client, method: str, name: str, args: list):
    return getattr(client, method)(reverse(name, args=args))


@pytest.mark.parametrize(("method", "name", "args"), ADMIN_PAGES)
def test_admin_pages_forbidden_to_others(timekeeper_client, cs_client, method, name, args):
    assert call(timekeeper_client, method, name, args).status_code == 403
    assert call(cs_client, method, name, args).status_code == 403


@pytest.mark.parametrize(("method", "name", "args"), ADMIN_PAGES + CS_PAGES)
def test_pages_send_anonymous_to_sign_in(client, db, method, name, args):
    response = call(client, method, name, args)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("method", "name", "args"), CS_PAGES)
def test_console_forbidden_to_firm_users(admin_client, timekeeper_client, method, name, args):
    assert call(admin_client, method, name, args).status_code == 403
    assert call(timekeeper_client, method, name, args).status_code == 403


def test_go_live_forbidden_to_firm_admin(admin_client, firm):
    make_connected(firm)

    response = admin_client.post(reverse("activation:go_live", args=[firm.pk]))

    assert response.status_code == 403
    firm.refresh_from_db()
    assert firm.live_at is None


def test_callback_forbidden_to_timekeeper(timekeeper_client):
    response = timekeeper_client.get(reverse("oauth:callback"), {"code": "x", "state": "y"})

    assert response.status_code == 403


def test_admin_sees_only_own_firm(admin_client, firm):
    from mira.accounts.models import Firm

    other = Firm.objects.create(name="Other Firm LLP")
    make_connected(other, clio_user_name="Someone Else")

    body = admin_client.get(reverse("destinations:page")).content.decode()

    assert "Someone Else" not in body
    assert other.account_id not in body


def test_forbidden_page_explains(timekeeper_client):
    response = timekeeper_client.get(reverse("destinations:page"))

    body = response.content.decode()
    assert response.status_code == 403
    assert "This page is for firm administrators only." in body
    assert 'id="nav-time-entries"' in body
