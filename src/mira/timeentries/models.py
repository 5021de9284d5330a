"""Time entries that timekeepers record in MIRA and that MIRA delivers to Clio."""

from django.conf import settings
from django.db import models


class TimeEntry(models.Model):
    """A timekeeper's entry of work on one matter.

    Lifecycle: draft -> approved -> posted. An approved entry waits until the firm is live. While the
    worker posts it, `posting_started_at` is set. If the outcome of that request is unknown (a
    timeout), the next attempt first looks in Clio for an activity created since then, so the entry
    is not posted a second time. `failed` means Clio rejected the entry and a person must act.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        POSTED = "posted", "Posted to Clio"
        FAILED = "failed", "Needs attention"

    firm = models.ForeignKey("accounts.Firm", on_delete=models.CASCADE, related_name="time_entries")
    timekeeper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries")
    matter = models.ForeignKey("sync.ClioMatter", on_delete=models.PROTECT, related_name="time_entries")
    activity_description = models.ForeignKey(
        "sync.ClioActivityDescription", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date = models.DateField()
    duration_seconds = models.PositiveIntegerField()
    narrative = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)

    approved_at = models.DateTimeField(null=True, blank=True)
    posting_started_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    clio_activity_id = models.BigIntegerField(null=True, blank=True, unique=True)
    delivery_attempts = models.PositiveIntegerField(default=0)
    # The last delivery problem in plain words, with the next step; empty when none.
    delivery_error = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name_plural = "time entries"

    def __str__(self) -> str:
        return f"{self.date} {self.duration_seconds}s on {self.matter_id}"
