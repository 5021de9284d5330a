"""Firms (MIRA's customers) and the people who sign in to the portal."""

import secrets

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models

# Letters and digits that cannot be misread for one another when an admin reads the ID aloud.
_ACCOUNT_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_account_id() -> str:
    groups = ["".join(secrets.choice(_ACCOUNT_ID_ALPHABET) for _ in range(4)) for _ in range(2)]
    return "MIRA-" + "-".join(groups)


class Firm(models.Model):
    """A law firm using MIRA. Customer Success identifies it by its Account ID."""

    name = models.CharField(max_length=200)
    account_id = models.CharField(max_length=20, unique=True, default=generate_account_id, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by Customer Success with "Go live"; time entries are delivered to Clio only after it.
    live_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.account_id})"

    @property
    def is_live(self) -> bool:
        return self.live_at is not None


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("A user needs an email address to sign in with.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", User.Role.CUSTOMER_SUCCESS)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with an email address: a firm admin, a timekeeper or Customer Success."""

    class Role(models.TextChoices):
        FIRM_ADMIN = "firm_admin", "Firm administrator"
        TIMEKEEPER = "timekeeper", "Timekeeper"
        CUSTOMER_SUCCESS = "customer_success", "Customer Success"

    username = None
    email = models.EmailField(unique=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.TIMEKEEPER)
    # Customer Success staff belong to no firm; everyone else belongs to exactly one.
    firm = models.ForeignKey(Firm, null=True, blank=True, on_delete=models.CASCADE, related_name="users")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def is_firm_admin(self) -> bool:
        return self.role == self.Role.FIRM_ADMIN

    @property
    def is_customer_success(self) -> bool:
        return self.role == self.Role.CUSTOMER_SUCCESS
