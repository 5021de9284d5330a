"""Create MIRA's demo firm and its three sign-ins, once, for `mira demo`."""

import logging
from dataclasses import dataclass

from django.db import transaction

from mira.accounts.models import Firm, User

logger = logging.getLogger(__name__)

DEMO_FIRM_NAME = "Harbor & Vale LLP"
DEMO_PASSWORD = "mira-demo"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    name: str


# The admin and the timekeeper share their email addresses with users of the sandbox's Clio firm,
# because MIRA matches a timekeeper to a Clio user by email.
DEMO_LOGINS = (
    DemoLogin(User.Role.FIRM_ADMIN, "benjamin.lee@harborvale.test", "Benjamin Lee"),
    DemoLogin(User.Role.TIMEKEEPER, "amelia.ortiz@harborvale.test", "Amelia Ortiz"),
    DemoLogin(User.Role.CUSTOMER_SUCCESS, "success@matteroom.test", "Casey Morgan"),
)


@transaction.atomic
def ensure_demo_firm() -> Firm:
    """Create the demo firm and its users unless they exist; return the firm."""
    firm, created = Firm.objects.get_or_create(name=DEMO_FIRM_NAME)
    if created:
        logger.info("Created demo firm %s (account %s)", firm.pk, firm.account_id)

    for login in DEMO_LOGINS:
        if User.objects.filter(email=login.email).exists():
            continue
        first_name, _, last_name = login.name.partition(" ")
        User.objects.create_user(
            login.email,
            DEMO_PASSWORD,
            first_name=first_name,
            last_name=last_name,
            role=login.role,
            firm=None if login.role == User.Role.CUSTOMER_SUCCESS else firm,
        )
    return firm
