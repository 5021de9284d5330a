"""The developer portal's app form: name, website, redirect URIs and permissions."""

from urllib.parse import urlsplit

from django import forms

NONE = ""
READ = "read"
READ_WRITE = "read_write"

# (key, label, highest level Clio's portal offers for it)
PERMISSIONS = [
    ("activities", "Activities", READ_WRITE),
    ("api", "Api", READ_WRITE),
    ("billing", "Billing", READ),
    ("contacts", "Contacts", READ),
    ("matters", "Matters", READ),
    ("users", "Users", READ),
    ("client_share_permissions", "Client share permissions", READ),
]
LEVEL_LABELS = {READ: "Read", READ_WRITE: "Read/Write"}


def permission_choices(highest: str) -> list[tuple[str, str]]:
    choices = [(NONE, "None"), (READ, "Read")]
    if highest == READ_WRITE:
        choices.append((READ_WRITE, "Read&Write"))
    return choices


def describe_permissions(permissions: dict[str, str]) -> list[str]:
    """Return lines like "Activities: Read/Write" for the permissions an app holds, in portal order."""
    return [
        f"{label}: {LEVEL_LABELS[permissions[key]]}"
        for key, label, _ in PERMISSIONS
        if permissions.get(key) in LEVEL_LABELS
    ]


def check_absolute_http_url(value: str) -> str | None:
    """Return why the value is not an absolute http(s) URL, or None if it is one."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "is not an absolute http(s) URL"
    if parts.fragment:
        return "must not contain a fragment (#...)"
    return None


class DeveloperAppForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": "Name is required; enter your app's name."})
    website_url = forms.CharField(
        max_length=500, error_messages={"required": "Website URL is required; enter a URL like https://example.com."}
    )
    redirect_uris = forms.CharField(
        widget=forms.Textarea,
        error_messages={"required": "Redirect URIs are required; enter at least one, one per line."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, label, highest in PERMISSIONS:
            self.fields[f"permission_{key}"] = forms.ChoiceField(
                label=label, choices=permission_choices(highest), required=False
            )

    def clean_website_url(self) -> str:
        value = self.cleaned_data["website_url"].strip()
        problem = check_absolute_http_url(value)
        if problem:
            raise forms.ValidationError(f"Website URL {value!r} {problem}; enter one like https://example.com.")
        return value

    def clean_redirect_uris(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["redirect_uris"].splitlines() if line.strip()]
        if not lines:
            raise forms.ValidationError("Redirect URIs are required; enter at least one, one per line.")
        for number, uri in enumerate(lines, start=1):
            problem = check_absolute_http_url(uri)
            if problem:
                raise forms.ValidationError(
                    f"Redirect URI on line {number} ({uri!r}) {problem}; "
                    "enter one like https://example.com/oauth/callback."
                )
        return list(dict.fromkeys(lines))

    def permissions(self) -> dict[str, str]:
        """Return the chosen permissions, leaving out those set to None."""
        chosen = {}
        for key, _, _ in PERMISSIONS:
            level = self.cleaned_data.get(f"permission_{key}")
            if level:
                chosen[key] = level
        return chosen

    def permission_rows(self) -> list[dict]:
        """Return each permission's label, field name, choices and current value, for the template."""
        rows = []
        for key, label, highest in PERMISSIONS:
            name = f"permission_{key}"
            rows.append({
                "label": label, "name": name, "choices": permission_choices(highest),
                "value": self[name].value() or NONE, "errors": self.errors.get(name),
            })
        return rows
