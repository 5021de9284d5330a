"""Deterministic sample data for the sandbox firm "Harbor & Vale LLP".

Everything is derived from random.Random(seed) and a fixed anchor time, so the same seed always
produces the same IDs, names and dates.
"""

import datetime
import functools
import logging
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from mira.sandbox.models import Account, Activity, ActivityDescription, Contact, Matter, SandboxUser

logger = logging.getLogger(__name__)

SANDBOX_PASSWORD = "clio-sandbox"
FIRM_NAME = "Harbor & Vale LLP"
ANCHOR = datetime.datetime(2026, 1, 1, 9, 0, tzinfo=datetime.UTC)

# (first name, last name, email, roles, subscription type, enabled, account owner, hourly rate)
FIXED_USERS = [
    ("Benjamin", "Lee", "benjamin.lee@harborvale.test", ["admin"], "Attorney", True, True, "425.00"),
    ("Amelia", "Ortiz", "amelia.ortiz@harborvale.test", [], "Attorney", True, False, "375.00"),
    ("Zoë", "Kowalczyk", "zoe.kowalczyk@harborvale.test", [], "Attorney", True, False, "350.00"),
    ("Kenji", "Watanabe", "kenji.watanabe@harborvale.test", [], "Attorney", True, False, "325.00"),
    ("Priya", "Raman", "priya.raman@harborvale.test", [], "NonAttorney", True, False, "150.00"),
    ("Ólafur", "Sigurðsson", "olafur.sigurdsson@harborvale.test", [], "Attorney", False, False, "300.00"),
]

FIXED_PEOPLE = [("Søren", "Ægidius"), ("Łucja", "Wiśniewska"), ("Αθηνά", "Παπαδοπούλου")]
FIRST_NAMES = [
    "Marguerite", "José", "Aoife", "Dmitri", "Chiara", "Björn", "Fatima", "Olumide", "Hana", "Mateo",
    "Inês", "Grace", "Thomas", "Elif", "Rafael", "Yuki", "Siobhán", "Andrés", "Noor", "Éloïse",
]
LAST_NAMES = [
    "Fontaine", "Muñoz", "Ní Bhriain", "Ivanov", "Bianchi", "Nguyễn", "Lindqvist", "Haddad", "Adebayo",
    "Novák", "Herrera", "Duarte", "Okafor", "Whitfield", "Yılmaz", "Castillo", "Tanaka", "Brennan",
]
COMPANIES = [
    "株式会社 山田商事", "Café Olé S.à r.l.", "Harbor Lane Holdings LLC", "Nordlys Shipping AS",
    "Quill & Sons Ltd", "Zürich Präzision AG", "Северный Ветер ООО", "Brightwater Analytics Inc.",
    "Delacroix Frères SAS", "Kowloon Textiles Ltd", "Meridian Health Partners", "Okonkwo Logistics Ltd",
    "Piedra Azul S.A.", "Tasman Vineyards Pty Ltd", "Oakridge Builders Inc.", "Grünwald Immobilien GmbH",
]
MATTER_TOPICS = [
    "lease dispute", "employment contract review", "trademark registration", "estate planning",
    "share purchase agreement", "regulatory inquiry", "debt recovery", "insurance claim",
    "commercial lease renewal", "IP licensing", "construction defect claim", "data protection audit",
]
ACTIVITY_DESCRIPTIONS = [
    ("Legal research", "275.00"), ("Court appearance", "450.00"), ("Client call", "250.00"),
    ("Drafting", "300.00"), ("Document review", "275.00"), ("Correspondence", "200.00"),
    ("Client meeting", "300.00"), ("Negotiation", "350.00"), ("Travel", "150.00"),
    ("Court filing", "180.00"), ("Deposition preparation", "325.00"), ("Internal conference", "175.00"),
]
ACTIVITY_NOTES = [
    "Reviewed correspondence from opposing counsel", "Call with client about next steps",
    "Drafted initial memo", "Researched limitation periods", "Prepared exhibits for hearing",
    "Revised agreement per client comments", "Attended case management conference",
]


@functools.cache
def sandbox_password_hash() -> str:
    """Return one hash of the shared sandbox password, computed once because hashing is slow by design."""
    return make_password(SANDBOX_PASSWORD)


class IdSequence:
    """Clio-like large IDs: a random start in the given range, then small random gaps."""

    def __init__(self, rng: random.Random, low: int, high: int) -> None:
        self.rng = rng
        self.current = rng.randrange(low, high)

    def next(self) -> int:
        self.current += self.rng.randint(1, 37)
        return self.current


def ensure_seeded(seed: int = 1, matters: int = 180) -> bool:
    """Create the sandbox firm and its data unless an account exists; return True if it was created."""
    if Account.objects.exists():
        return False

    rng = random.Random(seed)
    with transaction.atomic():
        account = _create_account(rng)
        users = _create_users(rng, account)
        contacts = _create_contacts(rng)
        descriptions = _create_activity_descriptions(rng)
        created_matters = _create_matters(rng, matters, contacts, users)
        _create_activities(rng, created_matters, users, descriptions)

    logger.info("Seeded the Clio sandbox (seed=%s): %s matters, %s contacts", seed, matters, len(contacts))
    return True


def _create_account(rng: random.Random) -> Account:
    created = ANCHOR - datetime.timedelta(days=4 * 365)
    return Account.objects.create(
        id=rng.randrange(1_000_000, 9_000_000), name=FIRM_NAME, created_at=created, updated_at=created
    )


def _create_users(rng: random.Random, account: Account) -> list[SandboxUser]:
    ids = IdSequence(rng, 340_000_000, 349_000_000)
    password_hash = sandbox_password_hash()
    created = account.created_at
    users = [
        SandboxUser(
            id=ids.next(), account=account, first_name=first, last_name=last, email=email,
            password_hash=password_hash, roles=roles, subscription_type=subscription, enabled=enabled,
            account_owner=owner, rate=Decimal(rate), created_at=created, updated_at=created,
        )
        for first, last, email, roles, subscription, enabled, owner, rate in FIXED_USERS
    ]
    return SandboxUser.objects.bulk_create(users)


def _create_contacts(rng: random.Random) -> list[Contact]:
    ids = IdSequence(rng, 880_000_000, 889_000_000)
    people = list(FIXED_PEOPLE)
    pairs = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    people += rng.sample(pairs, 57)

    contacts = []
    for index, (first, last) in enumerate(people):
        created = _random_time(rng, days_back=4 * 365)
        contacts.append(Contact(
            id=ids.next(), type="Person", first_name=first, last_name=last,
            primary_email_address=f"client{index + 1:03d}@example.test", created_at=created, updated_at=created,
        ))
    for name in COMPANIES:
        created = _random_time(rng, days_back=4 * 365)
        contacts.append(Contact(
            id=ids.next(), type="Company", company_name=name, created_at=created, updated_at=created,
        ))
    return Contact.objects.bulk_create(contacts)


def _create_activity_descriptions(rng: random.Random) -> list[ActivityDescription]:
    ids = IdSequence(rng, 77_000_000, 78_000_000)
    created = ANCHOR - datetime.timedelta(days=4 * 365)
    descriptions = [
        ActivityDescription(
            id=ids.next(), name=name, rate=Decimal(rate), default=(index == 0),
            created_at=created, updated_at=created,
        )
        for index, (name, rate) in enumerate(ACTIVITY_DESCRIPTIONS)
    ]
    return ActivityDescription.objects.bulk_create(descriptions)


def _create_matters(
    rng: random.Random, count: int, contacts: list[Contact], users: list[SandboxUser]
) -> list[Matter]:
    ids = IdSequence(rng, 1_200_000_000, 1_290_000_000)
    attorneys = [user for user in users if user.subscription_type == "Attorney"]
    matters = []
    for number in range(1, count + 1):
        client = rng.choice(contacts)
        matters.append(_build_matter(rng, ids.next(), number, client, rng.choice(attorneys)))
    return Matter.objects.bulk_create(matters)


def _build_matter(rng: random.Random, matter_id: int, number: int, client: Contact, attorney: SandboxUser) -> Matter:
    draw = rng.random()
    if draw < 0.60:
        status = "Open"
    elif draw < 0.75:
        status = "Pending"
    else:
        status = "Closed"
    created = _random_time(rng, days_back=3 * 365)
    updated = created + datetime.timedelta(days=rng.randint(0, 60))
    short_name = client.name.split()[0].strip(",.&")
    return Matter(
        id=matter_id, number=number, display_number=f"{number:05d}-{short_name}",
        description=f"{client.name} - {rng.choice(MATTER_TOPICS)}", status=status, client=client,
        responsible_attorney=attorney, billable=rng.random() > 0.05,
        open_date=created.date() if status != "Pending" else None,
        pending_date=created.date() if status == "Pending" else None,
        close_date=updated.date() if status == "Closed" else None,
        created_at=created, updated_at=updated,
    )


def _create_activities(
    rng: random.Random, matters: list[Matter], users: list[SandboxUser], descriptions: list[ActivityDescription]
) -> None:
    ids = IdSequence(rng, 2_200_000_000, 2_290_000_000)
    timekeepers = [user for user in users if user.enabled]
    activities = []
    for matter in matters:
        if matter.status == "Pending":
            continue
        for _ in range(rng.randint(0, 3)):
            activities.append(_build_activity(rng, ids.next(), matter, rng.choice(timekeepers), rng.choice(descriptions)))
    Activity.objects.bulk_create(activities)


def _build_activity(
    rng: random.Random, activity_id: int, matter: Matter, user: SandboxUser, description: ActivityDescription
) -> Activity:
    # Durations are whole tenths of an hour, as firms usually bill.
    quantity = rng.randint(1, 30) * 360
    created = matter.created_at + datetime.timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 8))
    total = (user.rate * quantity / 3600).quantize(Decimal("0.01"))
    return Activity(
        id=activity_id, date=created.date(), quantity=quantity, note=rng.choice(ACTIVITY_NOTES), matter=matter,
        user=user, activity_description=description, price=user.rate, total=total,
        created_at=created, updated_at=created,
    )


def _random_time(rng: random.Random, days_back: int) -> datetime.datetime:
    offset = datetime.timedelta(days=rng.randint(30, days_back), minutes=rng.randint(0, 600))
    return ANCHOR - offset
