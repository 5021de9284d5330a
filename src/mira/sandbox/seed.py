"""Deterministic sample data for the sandbox firm "Harbor & Vale LLP".

Everything is derived from random.Random(seed) and a fixed anchor time, so the same seed always
produces the same IDs, names and dates.
"""

import datetime
import functools
import logging
import random
import time
import unicodedata
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

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


# Rows per INSERT batch; Django lowers it further where the database limits query parameters.
BATCH_SIZE = 5000
MIN_CONTACTS = len(FIXED_PEOPLE) + len(COMPANIES)
# Without --contacts the firm has this many contacts: the fixed people, 57 sampled people and the companies.
DEFAULT_CONTACTS = MIN_CONTACTS + 57
GENERATED_USER_RATES = ("195.00", "250.00", "295.00", "340.00", "395.00")


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


def ensure_seeded(seed: int = 1, matters: int = 180, contacts: int | None = None, users: int | None = None) -> bool:
    """Create the sandbox firm and its data unless an account exists; return True if it was created.

    `contacts` and `users` are totals: users start with the six fixed named users, contacts with
    the fixed people and companies. Leaving them out gives the small firm of earlier versions.
    """
    contacts = DEFAULT_CONTACTS if contacts is None else contacts
    users = len(FIXED_USERS) if users is None else users
    _check_sizes(matters, contacts, users)
    if Account.objects.exists():
        return False

    started = time.monotonic()
    rng = random.Random(seed)
    with transaction.atomic():
        account = _create_account(rng)
        created_users = _create_users(rng, account, users)
        created_contacts = _create_contacts(rng, contacts)
        descriptions = _create_activity_descriptions(rng)
        created_matters = _create_matters(rng, matters, created_contacts, created_users)
        activity_count = _create_activities(rng, created_matters, created_users, descriptions)
    _analyze_tables()

    logger.info(
        "Seeded the Clio sandbox (seed=%s) in %.1f s: %s matters, %s contacts, %s users, %s activities",
        seed, time.monotonic() - started, matters, len(created_contacts), len(created_users), activity_count,
    )
    return True


def _analyze_tables() -> None:
    # Without table statistics, SQLite picks the (status, id) index for `status=open,pending` and
    # then sorts tens of thousands of rows. With them, it pages along the primary key instead.
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    with connection.cursor() as cursor:
        for table in (Matter._meta.db_table, Contact._meta.db_table, Activity._meta.db_table):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def _check_sizes(matters: int, contacts: int, users: int) -> None:
    if matters < 1:
        raise ValueError(f"matters {matters} is invalid; use 1 or more.")
    if contacts < MIN_CONTACTS:
        raise ValueError(f"contacts {contacts} is too few; use at least {MIN_CONTACTS} (the fixed people and companies).")
    if users < len(FIXED_USERS):
        raise ValueError(f"users {users} is too few; use at least {len(FIXED_USERS)} (the fixed named users).")


def _create_account(rng: random.Random) -> Account:
    created = ANCHOR - datetime.timedelta(days=4 * 365)
    return Account.objects.create(
        id=rng.randrange(1_000_000, 9_000_000), name=FIRM_NAME, created_at=created, updated_at=created
    )


def _create_users(rng: random.Random, account: Account, total: int) -> list[SandboxUser]:
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
    for number in range(len(FIXED_USERS) + 1, total + 1):
        users.append(_build_user(rng, ids.next(), number, account, password_hash))
    return SandboxUser.objects.bulk_create(users, batch_size=BATCH_SIZE)


def _build_user(rng: random.Random, user_id: int, number: int, account: Account, password_hash: str) -> SandboxUser:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    # The number keeps emails unique when generated names repeat.
    email = f"{_ascii_slug(first)}.{_ascii_slug(last)}.{number}@harborvale.test"
    created = _random_time(rng, days_back=4 * 365)
    return SandboxUser(
        id=user_id, account=account, first_name=first, last_name=last, email=email, password_hash=password_hash,
        roles=[], subscription_type="Attorney" if rng.random() < 0.7 else "NonAttorney",
        enabled=rng.random() > 0.05, rate=Decimal(rng.choice(GENERATED_USER_RATES)),
        created_at=created, updated_at=created,
    )


def _ascii_slug(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if char.isascii() and char.isalnum()).lower() or "user"


def _create_contacts(rng: random.Random, total: int) -> list[Contact]:
    ids = IdSequence(rng, 880_000_000, 889_000_000)
    people = list(FIXED_PEOPLE)
    pairs = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    wanted = total - len(FIXED_PEOPLE) - len(COMPANIES)
    people += rng.sample(pairs, min(wanted, len(pairs)))
    # Beyond every distinct name pair, names repeat, as namesakes do in a large client list.
    people += [(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)) for _ in range(wanted - len(pairs))]

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
    return Contact.objects.bulk_create(contacts, batch_size=BATCH_SIZE)


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
    return Matter.objects.bulk_create(matters, batch_size=BATCH_SIZE)


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
) -> int:
    ids = IdSequence(rng, 2_200_000_000, 2_290_000_000)
    timekeepers = [user for user in users if user.enabled]
    activities = []
    for matter in matters:
        if matter.status == "Pending":
            continue
        for _ in range(rng.randint(0, 3)):
            activities.append(_build_activity(rng, ids.next(), matter, rng.choice(timekeepers), rng.choice(descriptions)))
    Activity.objects.bulk_create(activities, batch_size=BATCH_SIZE)
    return len(activities)


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
