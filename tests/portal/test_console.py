"""The Customer Success console: accounts awaiting activation, Go live, live accounts."""

from django.urls import reverse
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from mira.accounts.models import Firm
from mira.activation.models import CustomerSuccessNotification
from tests.portal.conftest import make_connected


def notify(firm) -> None:
    CustomerSuccessNotification.objects.create(firm=firm, recipient="cs@matteroom.test", subject="s", body="b")


def test_console_lists_awaiting_firm(cs_client, firm):
    make_connected(firm, app_name="MIRALink HV")
    notify(firm)
    Firm.objects.create(name="Quiet & Co")  # never notified, so not listed

    body = cs_client.get(reverse("activation:console")).content.decode()

    assert f'<tr data-account-id="{firm.account_id}">' in body
    assert "MIRALink HV" in body
    assert "Connected" in body
    assert "Quiet &amp; Co" not in body
    assert f'id="go-live-{firm.account_id}"' in body


def test_go_live_sets_live_and_queues_delivery(cs_client, cs_user, firm):
    make_connected(firm)
    notify(firm)

    response = cs_client.post(reverse("activation:go_live", args=[firm.pk]), follow=True)

    firm.refresh_from_db()
    assert firm.live_at is not None
    assert firm.activated_by == cs_user
    queued = DBTaskResult.objects.get(task_path__endswith="deliver_time_entries")
    assert queued.args_kwargs["kwargs"] == {"firm_id": firm.pk}
    body = response.content.decode()
    assert "is live" in body
    assert 'id="live-accounts"' in body
    assert 'id="awaiting-empty"' in body


def test_go_live_refused_when_not_connected(cs_client, firm):
    make_connected(firm, status="needs_reconnect")
    notify(firm)

    response = cs_client.post(reverse("activation:go_live", args=[firm.pk]), follow=True)

    firm.refresh_from_db()
    assert firm.live_at is None
    assert not DBTaskResult.objects.filter(task_path__endswith="deliver_time_entries").exists()
    assert escape("is not connected to Clio (status: Authorization needed again)") in response.content.decode()


def test_go_live_refused_twice(cs_client, firm):
    make_connected(firm)
    notify(firm)
    cs_client.post(reverse("activation:go_live", args=[firm.pk]))

    response = cs_client.post(reverse("activation:go_live", args=[firm.pk]), follow=True)

    assert "has been live since" in response.content.decode()
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_time_entries").count() == 1
