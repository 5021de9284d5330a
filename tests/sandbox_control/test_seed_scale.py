"""Seeding with --contacts and --users: totals, the fixed users first, and the same data for the same seed."""

import pytest

from mira.sandbox import seed
from mira.sandbox.models import Account, Activity, ActivityDescription, Contact, Matter, SandboxUser

MODELS = (Activity, Matter, Contact, ActivityDescription, SandboxUser, Account)


def snapshot() -> tuple:
    return (
        list(SandboxUser.objects.order_by("id").values_list("id", "first_name", "last_name", "email")),
        list(Contact.objects.order_by("id").values_list("id", "first_name", "last_name", "company_name")),
        list(Matter.objects.order_by("id").values_list("id", "display_number", "description", "client_id")),
        list(Activity.objects.order_by("id").values_list("id", "quantity", "user_id")),
    )


def reset() -> None:
    for model in MODELS:
        model.objects.all().delete()


@pytest.mark.django_db
def test_seed_sizes():
    seed.ensure_seeded(seed=7, matters=600, contacts=700, users=40)
    assert Matter.objects.count() == 600
    assert Contact.objects.count() == 700
    assert SandboxUser.objects.count() == 40
    assert SandboxUser.objects.values("email").distinct().count() == 40


@pytest.mark.django_db
def test_seed_fixed_users_first():
    seed.ensure_seeded(seed=7, matters=50, contacts=50, users=30)
    first_six = list(SandboxUser.objects.order_by("id").values_list("email", flat=True)[:6])
    assert first_six == [user[2] for user in seed.FIXED_USERS]


@pytest.mark.django_db
def test_seed_same_seed_same_data():
    seed.ensure_seeded(seed=7, matters=300, contacts=500, users=25)
    first = snapshot()
    reset()
    seed.ensure_seeded(seed=7, matters=300, contacts=500, users=25)
    assert snapshot() == first
    reset()
    seed.ensure_seeded(seed=8, matters=300, contacts=500, users=25)
    assert snapshot() != first


@pytest.mark.django_db
def test_seed_defaults_unchanged():
    # Leaving out contacts and users must give the same firm as passing the old totals.
    seed.ensure_seeded(seed=3)
    default = snapshot()
    reset()
    seed.ensure_seeded(seed=3, contacts=seed.DEFAULT_CONTACTS, users=len(seed.FIXED_USERS))
    assert snapshot() == default
    assert len(default[1]) == 76


@pytest.mark.django_db
@pytest.mark.parametrize(("sizes", "named"), [
    ({"contacts": 5}, "contacts 5"),
    ({"users": 2}, "users 2"),
    ({"matters": 0}, "matters 0"),
])
def test_seed_rejects_small_sizes(sizes, named):
    with pytest.raises(ValueError, match=named):
        seed.ensure_seeded(**sizes)
    assert not Account.objects.exists()
