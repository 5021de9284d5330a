"""The go-live step: the firm notifies Customer Success that it is ready, and Customer Success activates it."""

from django.conf import settings
from django.db import models


class CustomerSuccessNotification(models.Model):
    """An email sent to Customer Success saying the firm finished the Clio set-up."""

    firm = models.ForeignKey("accounts.Firm", on_delete=models.CASCADE, related_name="notifications")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)
    recipient = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()

    class Meta:
        ordering = ["-sent_at"]
