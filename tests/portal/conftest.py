"""Fixtures for the portal tests: a firm, one user per role, and signed-in test clients."""

import pytest
from django.test import Client

from mira.accounts.models import Firm, User
from mira.destinations.models import ClioConnection

PASSWORD = "correct horse battery staple"


@pytest.fixture
def firm(db):
    return Firm.objects.create(name="Harborvale LLP")


@pytest.fixture
def admin_user(firm):
    return User.objects.create_user(
        "avery.admin@harborvale.test",
        PASSWORD,
        first_name="Avery",
        last_name="Admin",
        role=User.Role.FIRM_ADMIN,
        firm=firm,
    )


@pytest.fixture
def timekeeper(firm):
    return User.objects.create_user("tara.keeper@harborvale.test", PASSWORD, role=User.Role.TIMEKEEPER, firm=firm)


@pytest.fixture
def cs_user(db):
    return User.objects.create_user("casey@matteroom.test", PASSWORD, role=User.Role.CUSTOMER_SUCCESS)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(admin_user):
    return _signed_in(admin_user)


@pytest.fixture
def timekeeper_client(timekeeper):
    return _signed_in(timekeeper)


@pytest.fixture
def cs_client(cs_user):
    return _signed_in(cs_user)


def make_connected(firm, **overrides) -> ClioConnection:
    """Store a connection as the OAuth callback would leave it, without talking to Clio."""
    # The sandbox region reaches no host unless a test sets MIRA_SANDBOX_URL to a running sandbox.
    values = {
        "region": "sandbox",
        "app_name": "MIRALink",
        "client_id": "abc123CLIENTid",
        "client_secret": "s3cret-VALUE-never-shown-42",
        "matter_statuses": ["Open", "Pending"],
        "status": ClioConnection.Status.CONNECTED,
        "access_token": "access-token-VALUE-never-shown",
        "refresh_token": "refresh-token-VALUE-never-shown",
        "clio_user_id": 345000001,
        "clio_user_name": "Benjamin Lee",
        "clio_user_email": "benjamin.lee@harborvale.test",
        "clio_account_id": 1234500,
        "clio_account_name": "Harborvale LLP",
    }
    values.update(overrides)
    return ClioConnection.objects.create(firm=firm, **values)
