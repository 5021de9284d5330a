"""The Completion checklist of the Clio set-up, computed from what is saved, never from clicks."""

from dataclasses import dataclass

from mira.accounts.models import Firm
from mira.activation.models import CustomerSuccessNotification
from mira.destinations.models import ClioConnection


@dataclass(frozen=True)
class ChecklistItem:
    """One line of the checklist; `key` is stable for pages and tests."""

    key: str
    label: str
    done: bool


def build_checklist(firm: Firm, connection: ClioConnection | None) -> list[ChecklistItem]:
    """Return the five checklist items in the set-up's order, each done or not from saved state."""
    app_created = connection is not None and bool(connection.app_name) and bool(connection.client_id)
    recorded = connection is not None and connection.has_credentials
    configured = recorded and bool(connection.region) and len(connection.matter_statuses or []) >= 1
    authorized = connection is not None and connection.is_connected
    notified = CustomerSuccessNotification.objects.filter(firm=firm).exists()

    return [
        ChecklistItem("app_created", "Clio APP created", app_created),
        ChecklistItem("credentials_recorded", "Client ID and Client Secret recorded", recorded),
        ChecklistItem("configured", "Credentials configured in the MIRA Admin Portal", configured),
        ChecklistItem("authorized", "Clio authorization completed", authorized),
        ChecklistItem("notified", "MATTEROOM Customer Success notified", notified),
    ]


def ready_to_notify(items: list[ChecklistItem]) -> bool:
    """Return True when every item before "Customer Success notified" is done."""
    return all(item.done for item in items if item.key != "notified")
