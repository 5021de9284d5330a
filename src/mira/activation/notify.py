"""Tell MATTEROOM Customer Success by email that a firm finished its Clio set-up."""

import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage

from mira.accounts.models import Firm, User
from mira.activation.models import CustomerSuccessNotification
from mira.destinations.models import ClioConnection

logger = logging.getLogger(__name__)

SEND_FAILED_MESSAGE = (
    "MIRA could not send the email to Customer Success at {recipient}, so nothing was recorded. "
    "Try again in a few minutes; if it keeps failing, send the email from your own mailbox."
)


class NotificationFailed(Exception):
    """The email could not be sent. `message` is the plain explanation, with the next step."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class NotificationEmail:
    recipient: str
    subject: str
    body: str


def compose_email(firm: Firm, connection: ClioConnection, sender: User) -> NotificationEmail:
    """Build the go-live request email with the firm's Account ID and the Clio app name filled in."""
    subject = f"Clio integration ready: {firm.name} ({firm.account_id})"
    body = (
        "MIRA Team,\n"
        "\n"
        f"Our Account ID is: {firm.account_id} & App Name for the Clio integration is {connection.app_name}. "
        "We have completed the Clio connection and configuration in the MIRA Admin Portal.\n"
        "\n"
        "Please proceed with enabling the MIRA functionality for our environment.\n"
        "\n"
        "Thank you.\n"
        "\n"
        f"{_signature(sender)}\n"
    )
    return NotificationEmail(recipient=settings.MIRA_CUSTOMER_SUCCESS_EMAIL, subject=subject, body=body)


def send_notification(firm: Firm, connection: ClioConnection, sender: User) -> CustomerSuccessNotification:
    """Send the email and record it; raise NotificationFailed (recording nothing) if sending fails."""
    email = compose_email(firm, connection, sender)
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        to=[email.recipient],
        reply_to=[sender.email],
    )

    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        logger.error(
            "customer_success.notify.failed firm_id=%s connection_id=%s error=%s",
            firm.pk,
            connection.pk,
            type(error).__name__,
        )
        raise NotificationFailed(SEND_FAILED_MESSAGE.format(recipient=email.recipient)) from error

    notification = CustomerSuccessNotification.objects.create(
        firm=firm,
        sent_by=sender,
        recipient=email.recipient,
        subject=email.subject,
        body=email.body,
    )
    logger.info(
        "customer_success.notify.sent firm_id=%s connection_id=%s notification_id=%s",
        firm.pk,
        connection.pk,
        notification.pk,
    )
    return notification


def _signature(sender: User) -> str:
    name = sender.get_full_name()
    if name:
        return f"{name} <{sender.email}>"
    return sender.email
