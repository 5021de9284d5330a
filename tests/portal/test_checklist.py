"""The Completion checklist computed from saved state."""

from mira.activation.models import CustomerSuccessNotification
from mira.destinations.checklist import build_checklist, ready_to_notify
from mira.destinations.models import ClioConnection
from tests.portal.conftest import make_connected


def done_keys(items) -> list[str]:
    return [item.key for item in items if item.done]


def test_checklist_labels_in_order(firm):
    items = build_checklist(firm, None)

    assert [item.label for item in items] == [
        "Clio APP created",
        "Client ID and Client Secret recorded",
        "Credentials configured in the MIRA Admin Portal",
        "Clio authorization completed",
        "MATTEROOM Customer Success notified",
    ]


def test_checklist_without_connection(firm):
    items = build_checklist(firm, None)

    assert done_keys(items) == []
    assert not ready_to_notify(items)


def test_checklist_client_id_only(firm):
    connection = ClioConnection.objects.create(firm=firm, client_id="abc123")

    assert done_keys(build_checklist(firm, connection)) == ["app_created"]


def test_checklist_credentials_without_statuses(firm):
    connection = ClioConnection.objects.create(firm=firm, client_id="abc123", client_secret="xyz789", matter_statuses=[])

    assert done_keys(build_checklist(firm, connection)) == ["app_created", "credentials_recorded"]


def test_checklist_configured_not_authorized(firm):
    connection = ClioConnection.objects.create(
        firm=firm, client_id="abc123", client_secret="xyz789", matter_statuses=["Open"]
    )

    items = build_checklist(firm, connection)

    assert done_keys(items) == ["app_created", "credentials_recorded", "configured"]
    assert not ready_to_notify(items)


def test_checklist_connected_ready_to_notify(firm):
    connection = make_connected(firm)

    items = build_checklist(firm, connection)

    assert done_keys(items) == ["app_created", "credentials_recorded", "configured", "authorized"]
    assert ready_to_notify(items)


def test_checklist_needs_reconnect_not_authorized(firm):
    connection = make_connected(firm, status=ClioConnection.Status.NEEDS_RECONNECT)

    assert "authorized" not in done_keys(build_checklist(firm, connection))


def test_checklist_all_done_after_notification(firm, admin_user):
    connection = make_connected(firm)
    CustomerSuccessNotification.objects.create(
        firm=firm, sent_by=admin_user, recipient="cs@matteroom.test", subject="s", body="b"
    )

    assert len(done_keys(build_checklist(firm, connection))) == 5


def test_checklist_rendered_with_data_attributes(admin_client, firm):
    make_connected(firm)

    body = admin_client.get("/destination/clio/module/").content.decode()

    assert 'data-check="app_created" data-done="true"' in body
    assert 'data-check="authorized" data-done="true"' in body
    assert 'data-check="notified" data-done="false"' in body
