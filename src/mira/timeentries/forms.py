"""The form a timekeeper fills in to create or edit a draft time entry."""

from django import forms
from django.utils import timezone

from mira.destinations.models import ClioConnection
from mira.sync.models import ClioActivityDescription, ClioMatter
from mira.timeentries.duration import ACCEPTED_FORMS, DurationError, format_duration, parse_duration
from mira.timeentries.models import TimeEntry


class MatterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, matter: ClioMatter) -> str:
        label = matter.display_number
        if matter.description:
            label += f" · {matter.description}"
        if matter.client_id:
            label += f" ({matter.client.name})"
        return label


class TimeEntryForm(forms.Form):
    matter = MatterChoiceField(
        queryset=ClioMatter.objects.none(),
        empty_label="Choose a matter",
        error_messages={
            "required": "Choose the matter you worked on.",
            "invalid_choice": (
                "That matter is no longer available for new time: it left the matter statuses your "
                "firm syncs from Clio. Choose another matter."
            ),
        },
    )
    activity_description = forms.ModelChoiceField(
        queryset=ClioActivityDescription.objects.none(),
        required=False,
        empty_label="None",
        label="Activity description",
    )
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    duration = forms.CharField(
        max_length=20,
        help_text=f"For example {ACCEPTED_FORMS}. At most 24 hours.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "decimal"}),
    )
    narrative = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Describe the work; Clio shows it as the entry's note."},
    )

    def __init__(self, *args, connection: ClioConnection | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate

        if connection is not None:
            self.fields["matter"].queryset = ClioMatter.objects.filter(
                connection=connection, available=True
            ).select_related("client")
            self.fields["activity_description"].queryset = ClioActivityDescription.objects.filter(
                connection=connection, available=True
            )

    def clean_duration(self) -> int:
        try:
            return parse_duration(self.cleaned_data["duration"])
        except DurationError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_narrative(self) -> str:
        narrative = self.cleaned_data["narrative"].strip()
        if not narrative:
            raise forms.ValidationError("Describe the work; Clio shows it as the entry's note.")
        return narrative

    @staticmethod
    def initial_for(entry: TimeEntry) -> dict:
        return {
            "matter": entry.matter_id,
            "activity_description": entry.activity_description_id,
            "date": entry.date,
            "duration": format_duration(entry.duration_seconds),
            "narrative": entry.narrative,
        }

    def save_to(self, entry: TimeEntry) -> TimeEntry:
        entry.matter = self.cleaned_data["matter"]
        entry.activity_description = self.cleaned_data["activity_description"]
        entry.date = self.cleaned_data["date"]
        entry.duration_seconds = self.cleaned_data["duration"]
        entry.narrative = self.cleaned_data["narrative"]
        entry.save()
        return entry
