"""Sample data of the sandbox: fixed users, matter spread, deterministic IDs."""

import pytest

from mira.sandbox import seed
from mira.sandbox.models import Activity, ActivityDescription, Contact, Matter, SandboxUser


def snapshot() -> tuple:
    return (
        list(SandboxUser.objects.order_by("id").values_list("id", "email")),
        list(Matter.objects.order_by("id").values_list("id", "display_number", "status", "client_id")),
        list(Activity.objects.order_by("id").values_list("id", "quantity")),
    )


@pytest.mark.django_db
def test_seed_creates_once():
    assert seed.ensure_seeded() is True
    assert seed.ensure_seeded() is False
    assert Matter.objects.count() == 180


@pytest.mark.django_db
def test_seed_fixed_users():
    seed.ensure_seeded()
    owner = SandboxUser.objects.get(email="benjamin.lee@harborvale.test")
    assert owner.account.name == "Harbor & Vale LLP"
    assert owner.account_owner and owner.roles == ["admin"]
    assert SandboxUser.objects.get(email="zoe.kowalczyk@harborvale.test").first_name == "Zoë"
    assert SandboxUser.objects.get(email="priya.raman@harborvale.test").subscription_type == "NonAttorney"
    assert SandboxUser.objects.get(email="olafur.sigurdsson@harborvale.test").enabled is False
    assert SandboxUser.objects.count() == 6


@pytest.mark.django_db
def test_seed_matter_statuses_and_clients():
    seed.ensure_seeded(matters=200)
    counts = {status: Matter.objects.filter(status=status).count() for status in ("Open", "Pending", "Closed")}
    assert sum(counts.values()) == 200
    assert 0.5 < counts["Open"] / 200 < 0.7
    assert 0.08 < counts["Pending"] / 200 < 0.22
    assert 0.17 < counts["Closed"] / 200 < 0.33
    assert Contact.objects.filter(type="Company", matters__isnull=False).exists()
    assert Contact.objects.filter(type="Person", matters__isnull=False).exists()
    assert ActivityDescription.objects.count() == 12
    assert Matter.objects.filter(id__lt=10**9).count() == 0


@pytest.mark.django_db
def test_seed_is_deterministic():
    seed.ensure_seeded(seed=7)
    first = snapshot()
    for model in (Activity, Matter, Contact, ActivityDescription, SandboxUser):
        model.objects.all().delete()
    from mira.sandbox.models import Account

    Account.objects.all().delete()
    seed.ensure_seeded(seed=7)
    assert snapshot() == first

    for model in (Activity, Matter, Contact, ActivityDescription, SandboxUser, Account):
        model.objects.all().delete()
    seed.ensure_seeded(seed=8)
    assert snapshot() != first
