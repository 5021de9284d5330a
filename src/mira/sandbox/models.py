"""Records of the built-in Clio sandbox: one firm's Clio data plus its developer apps and OAuth grants.

IDs are assigned by the sandbox (not auto-increment) so they look like Clio's large integers and stay
the same for a given seed.
"""

import hashlib

from django.db import models


class Account(models.Model):
    id = models.BigIntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class SandboxUser(models.Model):
    SUBSCRIPTION_TYPES = [("Attorney", "Attorney"), ("NonAttorney", "NonAttorney")]

    id = models.BigIntegerField(primary_key=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="users")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)
    password_hash = models.CharField(max_length=200)
    roles = models.JSONField(default=list)
    subscription_type = models.CharField(max_length=20, choices=SUBSCRIPTION_TYPES)
    enabled = models.BooleanField(default=True)
    account_owner = models.BooleanField(default=False)
    rate = models.DecimalField(max_digits=10, decimal_places=2)
    time_zone = models.CharField(max_length=100, default="Eastern Time (US & Canada)")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    TYPES = [("Person", "Person"), ("Company", "Company")]

    id = models.BigIntegerField(primary_key=True)
    type = models.CharField(max_length=10, choices=TYPES)
    # A Person has first/last names; a Company has only company_name.
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    is_client = models.BooleanField(default=True)
    primary_email_address = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["updated_at"], name="sandbox_con_updated_idx")]

    @property
    def name(self) -> str:
        if self.type == "Company":
            return self.company_name
        return f"{self.first_name} {self.last_name}"

    def __str__(self) -> str:
        return self.name


class Matter(models.Model):
    STATUSES = [("Open", "Open"), ("Pending", "Pending"), ("Closed", "Closed")]

    id = models.BigIntegerField(primary_key=True)
    number = models.IntegerField(unique=True)
    display_number = models.CharField(max_length=100)
    description = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=STATUSES)
    client = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="matters")
    responsible_attorney = models.ForeignKey(
        SandboxUser, on_delete=models.PROTECT, null=True, related_name="responsible_matters"
    )
    billable = models.BooleanField(default=True)
    open_date = models.DateField(null=True)
    pending_date = models.DateField(null=True)
    close_date = models.DateField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        # Listings page by id; the status and updated_since/created_since filters need these to stay
        # fast at 100,000 matters (see bench/sandbox_scale.py).
        indexes = [
            models.Index(fields=["status", "id"], name="sandbox_mat_status_id_idx"),
            models.Index(fields=["updated_at"], name="sandbox_mat_updated_idx"),
            models.Index(fields=["created_at"], name="sandbox_mat_created_idx"),
        ]

    def __str__(self) -> str:
        return self.display_number


class ActivityDescription(models.Model):
    id = models.BigIntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    rate = models.DecimalField(max_digits=10, decimal_places=2)
    default = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    TYPES = [("TimeEntry", "TimeEntry")]

    id = models.BigIntegerField(primary_key=True)
    type = models.CharField(max_length=20, choices=TYPES, default="TimeEntry")
    date = models.DateField()
    quantity = models.PositiveIntegerField(help_text="Duration in seconds.")
    note = models.TextField(blank=True)
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, null=True, related_name="activities")
    user = models.ForeignKey(SandboxUser, on_delete=models.PROTECT, related_name="activities")
    activity_description = models.ForeignKey(
        ActivityDescription, on_delete=models.PROTECT, null=True, related_name="activities"
    )
    price = models.DecimalField(max_digits=10, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    # The bill the entry is on; `billed` and `on_bill` in API responses are derived from its state.
    bill = models.ForeignKey("Bill", on_delete=models.SET_NULL, null=True, blank=True, related_name="activities")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["updated_at"]), models.Index(fields=["created_at"])]

    @property
    def on_bill(self) -> bool:
        return self.bill is not None and self.bill.state in Bill.ON_BILL_STATES

    @property
    def billed(self) -> bool:
        return self.bill is not None and self.bill.state in Bill.BILLED_STATES


class Bill(models.Model):
    """A matter bill. Clio's states run draft -> awaiting_approval -> awaiting_payment -> paid, or end in void/deleted."""

    STATES = [(state, state) for state in ("draft", "awaiting_approval", "awaiting_payment", "paid", "void", "deleted")]
    ON_BILL_STATES = ("draft", "awaiting_approval", "awaiting_payment", "paid")
    BILLED_STATES = ("awaiting_payment", "paid")

    id = models.BigIntegerField(primary_key=True)
    number = models.CharField(max_length=50)
    state = models.CharField(max_length=20, choices=STATES, default="draft")
    type = models.CharField(max_length=20, default="MatterBill")
    kind = models.CharField(max_length=20, default="revenue_kind")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="bills")
    client = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="bills")
    user = models.ForeignKey(SandboxUser, on_delete=models.SET_NULL, null=True, related_name="bills")
    subject = models.CharField(max_length=300, blank=True)
    memo = models.TextField(blank=True)
    issued_at = models.DateField(null=True)
    due_at = models.DateField(null=True)
    start_at = models.DateField(null=True)
    end_at = models.DateField(null=True)
    sub_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    paid = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    balance = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    paid_at = models.DateTimeField(null=True)
    last_sent_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["updated_at"]), models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"Bill {self.number}"


class BillingSetting(models.Model):
    """The firm's billing settings; the sandbox keeps exactly one row."""

    id = models.BigIntegerField(primary_key=True)
    # Time entries are rounded up to this many minutes on bills.
    rounding = models.PositiveIntegerField(default=6)
    use_decimal_rounding = models.BooleanField(default=True)
    currency = models.CharField(max_length=3, default="USD")
    currency_sign = models.CharField(max_length=5, default="$")
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, default=0)
    tax_name = models.CharField(max_length=50, default="Tax")
    apply_tax_by_default = models.BooleanField(default=False)
    use_secondary_tax = models.BooleanField(default=False)
    secondary_tax_rate = models.DecimalField(max_digits=6, decimal_places=3, default=0)
    secondary_tax_rule = models.CharField(max_length=4, default="Post")
    secondary_tax_name = models.CharField(max_length=50, default="Secondary Tax")
    time_on_flat_rate_contingency_matters_is_non_billable = models.BooleanField(default=False)
    notify_after_bill_created = models.BooleanField(default=False)
    use_utbms_codes = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()


class DeveloperApp(models.Model):
    owner = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="developer_apps")
    name = models.CharField(max_length=200)
    website_url = models.URLField(max_length=500)
    redirect_uris = models.JSONField(default=list)
    # Permission key -> "read" or "read_write"; keys with no access are left out.
    permissions = models.JSONField(default=dict)
    # Clio's portal calls the OAuth client_id the "App Key".
    client_id = models.CharField(max_length=64, unique=True)
    # Kept readable because the developer portal shows it on the app page, as Clio's portal does.
    client_secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


def hash_token(value: str) -> str:
    """Return the sha256 hex digest under which a code or token is stored."""
    return hashlib.sha256(value.encode()).hexdigest()


class AuthorizationCode(models.Model):
    app = models.ForeignKey(DeveloperApp, on_delete=models.CASCADE, related_name="authorization_codes")
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    redirect_uri = models.CharField(max_length=1000)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Grant(models.Model):
    """One authorisation of an app by a user: its refresh token and the access tokens issued under it."""

    app = models.ForeignKey(DeveloperApp, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="grants")
    authorization_code = models.ForeignKey(
        AuthorizationCode, on_delete=models.SET_NULL, null=True, related_name="grants"
    )
    refresh_token_hash = models.CharField(max_length=64, unique=True)
    revoked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)


class AccessToken(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="access_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)


class Webhook(models.Model):
    """A webhook subscription created through the API by one app on behalf of one user."""

    MODELS = [(name, name) for name in ("activity", "bill", "contact", "matter")]
    STATUSES = [(status, status) for status in ("pending", "enabled", "suspended")]

    id = models.BigIntegerField(primary_key=True)
    app = models.ForeignKey(DeveloperApp, on_delete=models.CASCADE, related_name="webhooks")
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="webhooks")
    url = models.CharField(max_length=2000)
    model = models.CharField(max_length=20, choices=MODELS)
    fields = models.CharField(max_length=1000)
    events = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=STATUSES, default="pending")
    # Returned in API responses (the spec's Webhook.shared_secret) and used to sign deliveries; never logged.
    shared_secret = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Webhook {self.id} ({self.model})"
