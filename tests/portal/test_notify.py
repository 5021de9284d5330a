"""Notify Customer Success: the email, the record, and a failed send."""

import socket

from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from mira.activation.models import CustomerSuccessNotification
from tests.portal.conftest import make_connected

EXPECTED_BODY = (
    "MIRA Team,\n"
    "\n"
    "Our Account ID is: {account_id} & App Name for the Clio integration is MIRALink Harborvale. "
    "We have completed the Clio connection and configuration in the MIRA Admin Portal.\n"
    "\n"
    "Please proceed with enabling the MIRA functionality for our environment.\n"
    "\n"
    "Thank you.\n"
    "\n"
    "Avery Admin <avery.admin@harborvale.test>\n"
)


def test_notify_sends_guide_email(admin_client, firm, settings):
    settings.MIRA_CUSTOMER_SUCCESS_EMAIL = "customer.success@matteroom.test"
    make_connected(firm, app_name="MIRALink Harborvale")

    response = admin_client.post(reverse("activation:notify"), follow=True)

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["customer.success@matteroom.test"]
    assert email.subject == f"Clio integration ready: Harborvale LLP ({firm.account_id})"
    assert email.body == EXPECTED_BODY.format(account_id=firm.account_id)
    assert email.reply_to == ["avery.admin@harborvale.test"]

    notification = CustomerSuccessNotification.objects.get(firm=firm)
    assert notification.recipient == "customer.success@matteroom.test"
    assert notification.body == email.body

    body = response.content.decode()
    assert f"Sent to customer.success@matteroom.test on {notification.sent_at:%-d %B %Y}." in body
    assert 'data-check="notified" data-done="true"' in body


def test_notify_refused_before_authorization(admin_client, firm):
    make_connected(firm, status="configured", access_token="")

    response = admin_client.post(reverse("activation:notify"), follow=True)

    assert mail.outbox == []
    assert not CustomerSuccessNotification.objects.exists()
    assert "Clio authorization completed" in response.content.decode()


def test_notify_button_disabled_until_ready(admin_client, firm):
    body = admin_client.get(reverse("destinations:page")).content.decode()
    assert 'id="notify-customer-success" disabled' in body

    make_connected(firm)
    body = admin_client.get(reverse("destinations:page")).content.decode()
    assert 'id="notify-customer-success" disabled' not in body
    assert 'id="notify-customer-success"' in body


def test_notify_failed_send_records_nothing(admin_client, firm, settings):
    make_connected(firm)
    # A port on this machine with nothing listening: the SMTP connection is refused, as with a mail server that is down.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    settings.EMAIL_TIMEOUT = 5

    response = admin_client.post(reverse("activation:notify"), follow=True)

    assert not CustomerSuccessNotification.objects.exists()
    assert escape("MIRA could not send the email to Customer Success") in response.content.decode()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
