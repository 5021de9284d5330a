from django.contrib import admin

from mira.activation.models import CustomerSuccessNotification


@admin.register(CustomerSuccessNotification)
class CustomerSuccessNotificationAdmin(admin.ModelAdmin):
    list_display = ["firm", "recipient", "sent_at", "sent_by"]
    readonly_fields = ["firm", "sent_by", "sent_at", "recipient", "subject", "body"]
