"""Summary of a connection's mirror for the Destination page: the last sync and the record counts."""

from mira.destinations.models import ClioConnection
from mira.sync.models import ClioActivityDescription, ClioContact, ClioMatter, ClioUser, SyncRun


def connection_summary(connection: ClioConnection) -> dict:
    """Return the last SyncRun (or None) and the mirror's counts; matters count only available ones."""
    return {
        "last_sync": SyncRun.objects.filter(connection=connection).order_by("-started_at").first(),
        "counts": {
            "users": ClioUser.objects.filter(connection=connection).count(),
            "matters": ClioMatter.objects.filter(connection=connection, available=True).count(),
            "contacts": ClioContact.objects.filter(connection=connection).count(),
            "activity_descriptions": ClioActivityDescription.objects.filter(
                connection=connection, available=True
            ).count(),
        },
    }
