"""The Clio module's form: region, app name, Client ID, Client Secret and matter statuses."""

import string

from django import forms
from django.conf import settings

from mira.destinations.models import ClioConnection, MatterStatus, Region

# Clio's Client IDs and secrets are printable ASCII with no spaces; anything else is a paste error.
_ALLOWED_CREDENTIAL_CHARACTERS = set(string.ascii_letters + string.digits + string.punctuation)


def region_choices() -> list[tuple[str, str]]:
    """Return the selectable regions: the four Clio regions, plus Sandbox when MIRA_SANDBOX_URL is set."""
    choices = [(code, label) for code, label in Region.choices if code != Region.SANDBOX]
    if settings.MIRA_SANDBOX_URL:
        choices.append((Region.SANDBOX.value, Region.SANDBOX.label))
    return choices


def _check_credential(value: str, label: str) -> str:
    if any(character.isspace() for character in value):
        raise forms.ValidationError(
            f"{label} contains spaces. Copy it again from your app's page in Clio's developer portal: "
            "it is one piece of text with no spaces."
        )
    if not set(value) <= _ALLOWED_CREDENTIAL_CHARACTERS:
        raise forms.ValidationError(
            f"{label} contains characters Clio never uses (only letters, digits and punctuation). "
            "Copy it again from your app's page in Clio's developer portal."
        )
    return value


class ClioCredentialsForm(forms.Form):
    """Validate the Clio app credentials; a blank Client Secret keeps the one already saved."""

    region = forms.ChoiceField(
        label="Region",
        error_messages={
            "required": "Region is missing. Choose the region where your firm's Clio account lives.",
            "invalid_choice": "Region %(value)s is not available. Choose the region where your firm's Clio account lives.",
        },
    )
    app_name = forms.CharField(
        label="App name",
        max_length=100,
        error_messages={
            "required": "App name is missing. Enter the name you gave the app in Clio's developer portal, for example MIRALink.",
            "max_length": "App name is longer than %(limit_value)d characters. Use the shorter name you gave the app in Clio.",
        },
    )
    client_id = forms.CharField(
        label="Client ID",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Client ID is missing. Copy it from your app's page in Clio's developer portal and paste it here.",
            "max_length": "Client ID is longer than %(limit_value)d characters. Copy only the Client ID from your app's page in Clio.",
        },
    )
    # render_value=False keeps a saved or submitted secret out of the page's HTML.
    client_secret = forms.CharField(
        label="Client Secret",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password", "spellcheck": "false"}),
    )
    matter_statuses = forms.MultipleChoiceField(
        label="Clio matter statuses to sync",
        choices=MatterStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one matter status to sync: Open, Pending or Closed.",
            "invalid_choice": "Matter status %(value)s is not one of Open, Pending or Closed.",
        },
    )

    def __init__(self, *args, connection: ClioConnection, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.connection = connection
        self.fields["region"].choices = region_choices()

    def clean_app_name(self) -> str:
        return self.cleaned_data["app_name"].strip()

    def clean_matter_statuses(self) -> list[str]:
        chosen = set(self.cleaned_data["matter_statuses"])
        return [status for status in MatterStatus.values if status in chosen]

    def clean_client_id(self) -> str:
        return _check_credential(self.cleaned_data["client_id"], "Client ID")

    def clean_client_secret(self) -> str:
        secret = self.cleaned_data["client_secret"]
        if not secret:
            if self.connection.client_secret:
                return ""
            raise forms.ValidationError(
                "Client Secret is missing. Copy it from your app's page in Clio's developer portal and paste it here."
            )
        return _check_credential(secret, "Client Secret")


def initial_for(connection: ClioConnection) -> dict:
    """Return the form's initial values from a saved connection, without the Client Secret."""
    return {
        "region": connection.region,
        "app_name": connection.app_name,
        "client_id": connection.client_id,
        "matter_statuses": connection.matter_statuses or [MatterStatus.OPEN.value],
    }
