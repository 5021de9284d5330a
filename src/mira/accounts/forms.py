"""Sign-in with an email address and a password, and the admin site's add-user form."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm

from mira.accounts.models import User


class EmailAuthenticationForm(AuthenticationForm):
    """Django's sign-in form with the username field presented as the email address."""

    username = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email", "id": "id_email"}),
    )

    error_messages = {
        "invalid_login": "The email address or password is not correct. Check both and try again.",
        "inactive": "This account is switched off. Ask your firm administrator to turn it back on.",
    }

    def clean_username(self) -> str:
        # Accounts are stored with lower-case email addresses, so sign-in must match that.
        return self.cleaned_data["username"].strip().lower()


class AdminUserCreationForm(BaseUserCreationForm):
    """The admin site's add-user form for a user model that signs in by email."""

    class Meta:
        model = User
        fields = ["email", "role", "firm"]
