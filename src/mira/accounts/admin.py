from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from mira.accounts.forms import AdminUserCreationForm
from mira.accounts.models import Firm, User


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    list_display = ["name", "account_id", "created_at", "live_at"]
    search_fields = ["name", "account_id"]
    readonly_fields = ["account_id", "created_at", "live_at", "activated_by"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    # The stock UserAdmin is built around `username`, which this user model replaces with `email`.
    add_form = AdminUserCreationForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "firm", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "role", "firm"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "role", "firm", "password1", "password2"]}),
    ]
