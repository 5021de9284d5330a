"""A firm's connection to its Clio account: the app credentials, the OAuth tokens and their state."""

from django.db import models
from django.utils import timezone

from mira.core.encryption import EncryptedTextField


class MatterStatus(models.TextChoices):
    OPEN = "Open", "Open"
    PENDING = "Pending", "Pending"
    CLOSED = "Closed", "Closed"


class Region(models.TextChoices):
    US = "us", "United States (app.clio.com)"
    EU = "eu", "Europe (eu.app.clio.com)"
    CA = "ca", "Canada (ca.app.clio.com)"
    AU = "au", "Australia (au.app.clio.com)"
    SANDBOX = "sandbox", "Sandbox (MIRA's built-in Clio)"


class ClioConnection(models.Model):
    """One firm's Clio destination.

    The client secret and both tokens are encrypted at rest and must never be rendered or logged.
    `status` moves: configured (credentials saved) -> connected (authorized and confirmed with
    who_am_i) -> needs_reconnect (Clio rejected the refresh token or the app credentials).
    """

    class Status(models.TextChoices):
        CONFIGURED = "configured", "Credentials saved, not authorized yet"
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Authorization needed again"

    firm = models.OneToOneField("accounts.Firm", on_delete=models.CASCADE, related_name="clio_connection")
    region = models.CharField(max_length=10, choices=Region.choices, default=Region.US)
    app_name = models.CharField(max_length=100, default="MIRALink")
    client_id = models.CharField(max_length=200, blank=True)
    client_secret = EncryptedTextField(blank=True)
    matter_statuses = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONFIGURED)

    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)

    # Who the tokens act as, from who_am_i at connection time.
    clio_user_id = models.BigIntegerField(null=True, blank=True)
    clio_user_name = models.CharField(max_length=200, blank=True)
    clio_user_email = models.CharField(max_length=254, blank=True)
    clio_account_id = models.BigIntegerField(null=True, blank=True)
    clio_account_name = models.CharField(max_length=200, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    credentials_updated_at = models.DateTimeField(null=True, blank=True)

    # The last failure in plain words for the admin, with the next step; empty when healthy.
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    # The connection's lane: at most one job talks to Clio for this firm at a time (see lanes.py).
    lane_holder = models.CharField(max_length=64, blank=True)
    lane_expires_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    LANE_FIELDS = ("lane_holder", "lane_expires_at")

    def __str__(self) -> str:
        return f"Clio connection of firm {self.firm_id} ({self.get_region_display()})"

    def save(self, *args, **kwargs) -> None:
        """Save, leaving the lane lease out of a full save of an existing row.

        Only lanes.py's conditional UPDATEs may change the lease. Otherwise a page that loaded the
        row before a job took the lane would release or overwrite the lease with its stale copy.
        """
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.LANE_FIELDS
            ]
        super().save(*args, **kwargs)

    @property
    def is_connected(self) -> bool:
        return self.status == self.Status.CONNECTED and bool(self.access_token)

    @property
    def has_credentials(self) -> bool:
        return bool(self.client_id) and bool(self.client_secret)

    @property
    def masked_client_secret(self) -> str:
        """Return the secret as dots plus its last two characters, so an admin can tell it was saved."""
        if not self.client_secret:
            return ""
        return "••••••••" + self.client_secret[-2:]

    def record_error(self, message: str) -> None:
        self.last_error = message
        self.last_error_at = timezone.now()

    def clear_error(self) -> None:
        self.last_error = ""
        self.last_error_at = None
