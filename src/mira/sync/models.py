"""Read-only mirrors of the Clio records MIRA needs, kept per connection, and a log of sync runs."""

from django.db import models


class MirroredRecord(models.Model):
    """Fields every mirrored Clio record has: its connection, its Clio id and when MIRA last saw it."""

    connection = models.ForeignKey("destinations.ClioConnection", on_delete=models.CASCADE, related_name="+")
    clio_id = models.BigIntegerField()
    clio_updated_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        abstract = True
        constraints = []


class ClioUser(MirroredRecord):
    name = models.CharField(max_length=200)
    email = models.CharField(max_length=254, blank=True)
    enabled = models.BooleanField(default=True)
    subscription_type = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "clio_id"], name="unique_clio_user")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClioContact(MirroredRecord):
    class Type(models.TextChoices):
        PERSON = "Person"
        COMPANY = "Company"

    name = models.CharField(max_length=300)
    type = models.CharField(max_length=10, choices=Type.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "clio_id"], name="unique_clio_contact")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClioMatter(MirroredRecord):
    display_number = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10)
    client = models.ForeignKey(ClioContact, null=True, blank=True, on_delete=models.SET_NULL, related_name="matters")
    # False once the matter is no longer in one of the connection's chosen statuses (or is gone
    # from Clio): it stays for the entries already made on it but is offered for no new ones.
    available = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "clio_id"], name="unique_clio_matter")]
        ordering = ["display_number"]

    def __str__(self) -> str:
        if self.description:
            return f"{self.display_number} · {self.description}"
        return self.display_number


class ClioActivityDescription(MirroredRecord):
    name = models.CharField(max_length=300)
    # False once a complete sync no longer finds it in Clio: offered for no new entries.
    available = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "clio_id"], name="unique_clio_activity_description")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SyncRun(models.Model):
    """One run of the sync job for a connection, with what it fetched and how it ended."""

    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    class Trigger(models.TextChoices):
        CONNECTED = "connected", "After connecting"
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Sync now"

    connection = models.ForeignKey("destinations.ClioConnection", on_delete=models.CASCADE, related_name="sync_runs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Records seen per kind, e.g. {"users": 6, "matters": 120, "contacts": 95, "activity_descriptions": 12}.
    counts = models.JSONField(default=dict)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
