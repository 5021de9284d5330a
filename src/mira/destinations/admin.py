from django.contrib import admin

from mira.destinations.models import ClioConnection

# Encrypted columns that no page may show, not even to superusers.
SECRET_FIELDS = ["client_secret", "access_token", "refresh_token"]


@admin.register(ClioConnection)
class ClioConnectionAdmin(admin.ModelAdmin):
    list_display = ["firm", "region", "app_name", "status", "connected_at", "last_error_at"]
    list_filter = ["status", "region"]
    search_fields = ["firm__name", "firm__account_id", "app_name", "client_id"]
    exclude = SECRET_FIELDS
    readonly_fields = [
        "masked_client_secret",
        "token_expires_at",
        "clio_user_id",
        "clio_user_name",
        "clio_user_email",
        "clio_account_id",
        "clio_account_name",
        "connected_at",
        "credentials_updated_at",
        "lane_holder",
        "lane_expires_at",
        "created_at",
        "updated_at",
    ]

    @admin.display(description="Client secret")
    def masked_client_secret(self, connection: ClioConnection) -> str:
        return connection.masked_client_secret
