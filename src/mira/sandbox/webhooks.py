"""Webhook subscriptions: validating create and update payloads, and turning record changes into deliveries.

Other sandbox code reports every change of a watched record with notify_record_changed(); delivery,
signing and retries happen in webhook_delivery, off the request thread.
"""

import datetime
import ipaddress
import json
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone

from mira.sandbox import fields, webhook_delivery
from mira.sandbox.api import ApiError
from mira.sandbox.ids import save_with_new_id
from mira.sandbox.models import DeveloperApp, SandboxUser, Webhook

logger = logging.getLogger(__name__)

FIRST_WEBHOOK_ID = 4_100_000
# Clio's models by name, with the numeric ids its API also accepts.
MODEL_IDS = {"1": "matter", "2": "activity", "3": "bill", "6": "contact"}
# The API permission (besides Api) an app needs to subscribe to each model.
MODEL_PERMISSIONS = {"activity": "activities", "bill": "billing", "contact": "contacts", "matter": "matters"}
MODEL_RESOURCES = {"activity": "Activity", "bill": "Bill", "contact": "Contact", "matter": "Matter"}
RECORD_EVENTS = ("created", "updated", "deleted")
MATTER_EVENTS = ("matter_opened", "matter_pended", "matter_closed")
WRITABLE_FIELDS = {"url", "model", "fields", "events", "expires_at"}
DEFAULT_LIFETIME = datetime.timedelta(days=3)
MAXIMUM_LIFETIME = datetime.timedelta(days=31)
MAXIMUM_FIELDS_LENGTH = 1000
LOOPBACK_HOSTS = {"localhost"}


def model_events(model: str) -> tuple[str, ...]:
    return RECORD_EVENTS + MATTER_EVENTS if model == "matter" else RECORD_EVENTS


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "RecordInvalid", f"{field}: {message}")


def create_webhook(data: dict[str, Any], app: DeveloperApp, user: SandboxUser) -> Webhook:
    """Validate a create payload, store the webhook as pending and start the activation handshake."""
    _reject_unknown_fields(data)
    for required in ("url", "model", "fields"):
        if required not in data:
            raise invalid(required, f"is missing; send url, model and fields ({required} was not sent).")

    now = timezone.now()
    model = parse_model(data["model"])
    webhook = Webhook(
        app=app, user=user, model=model, url=parse_url(data["url"]),
        fields=parse_webhook_fields(model, data["fields"]),
        events=parse_events(model, data.get("events")),
        expires_at=parse_expires_at(data.get("expires_at"), now),
        # The handshake's X-Hook-Secret is this same value, so a subscriber can check it against the API response.
        status="pending", shared_secret=secrets.token_hex(32), created_at=now, updated_at=now,
    )
    save_with_new_id(webhook, FIRST_WEBHOOK_ID)
    logger.info("Created webhook %s for model %s by app %s", webhook.id, webhook.model, app.id)
    webhook_delivery.schedule_handshake(webhook)
    return webhook


def update_webhook(webhook: Webhook, data: dict[str, Any]) -> Webhook:
    """Apply a PATCH payload; a new URL sends the webhook back to pending and repeats the handshake."""
    _reject_unknown_fields(data)
    now = timezone.now()
    if "model" in data:
        webhook.model = parse_model(data["model"])
    if "fields" in data or "model" in data:
        webhook.fields = parse_webhook_fields(webhook.model, data.get("fields", webhook.fields))
    if "events" in data or "model" in data:
        webhook.events = parse_events(webhook.model, data.get("events", webhook.events))
    if "expires_at" in data:
        webhook.expires_at = parse_expires_at(data["expires_at"], now)

    url_changed = "url" in data and parse_url(data["url"]) != webhook.url
    if url_changed:
        webhook.url = parse_url(data["url"])
        webhook.status = "pending"
    webhook.updated_at = now
    webhook.save()
    logger.info("Updated webhook %s (url changed: %s)", webhook.id, url_changed)

    if url_changed:
        webhook_delivery.schedule_handshake(webhook)
    return webhook


def activate_webhook(webhook: Webhook, hook_secret: str | None) -> Webhook:
    """Enable a pending webhook whose X-Hook-Secret matches; the alternative to echoing it in the handshake."""
    if not hook_secret or not secrets.compare_digest(hook_secret, webhook.shared_secret):
        raise ApiError(422, "RecordInvalid", "X-Hook-Secret is missing or does not match; send the secret from the handshake request.")
    if webhook.status != "enabled":
        webhook.status = "enabled"
        webhook.updated_at = timezone.now()
        webhook.save(update_fields=["status", "updated_at"])
        logger.info("Activated webhook %s", webhook.id)
    return webhook


def notify_record_changed(model: str, record: Any, event: str) -> int:
    """Queue a delivery of `event` on `record` to every enabled, unexpired webhook of `model`; return how many.

    model is "activity", "bill", "contact" or "matter"; event is created, updated or deleted (matters also
    matter_opened, matter_pended, matter_closed). Call it after the change is saved, and for "deleted"
    before the row is deleted, because the payload is rendered from the record now.

    NOTE: Clio sends "updated" only when a field named in the webhook's `fields` changed; the sandbox
    sends it for every update reported to it.
    """
    if model not in MODEL_RESOURCES:
        raise ValueError(f"Webhook model {model!r} is not supported; use one of {', '.join(sorted(MODEL_RESOURCES))}.")
    if event not in model_events(model):
        raise ValueError(f"Event {event!r} is invalid for {model}; use one of {', '.join(model_events(model))}.")

    subscribers = Webhook.objects.filter(model=model, status="enabled", expires_at__gt=timezone.now())
    queued = 0
    for webhook in subscribers:
        if event not in webhook.events:
            continue
        webhook_delivery.schedule_event(webhook, _payload(webhook, record, event))
        queued += 1
    if queued:
        logger.info("Queued %s %s event for %s %s to %s webhooks", model, event, model, record.pk, queued)
    return queued


def _payload(webhook: Webhook, record: Any, event: str) -> bytes:
    requests = fields.parse_fields(webhook.fields)
    data = fields.render(MODEL_RESOURCES[webhook.model], record, requests)
    body = {"data": data, "meta": {"event": event, "webhook_id": webhook.id}}
    return json.dumps(body, ensure_ascii=False).encode()


def _reject_unknown_fields(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - WRITABLE_FIELDS)
    if unknown:
        raise invalid(unknown[0], f"is not supported; send only {', '.join(sorted(WRITABLE_FIELDS))}.")


def parse_model(value: Any) -> str:
    model = MODEL_IDS.get(str(value), value)
    if model not in MODEL_RESOURCES:
        raise invalid("model", f"{value!r} is not supported by the Clio sandbox; use activity, bill, contact or matter.")
    return model


def parse_url(value: Any) -> str:
    """Accept https URLs (as Clio does) and, for local testing, http URLs on a loopback host only."""
    if not isinstance(value, str) or not value:
        raise invalid("url", f"{value!r} is not a URL; send an https URL.")
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise invalid("url", f"{value!r} is not an absolute https URL without credentials.")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise invalid("url", f"{value!r} uses http; use https (the sandbox allows http only on 127.0.0.1, ::1 or localhost).")
    return value


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_webhook_fields(model: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid("fields", f"{value!r} is invalid; send a fields string such as 'id,etag,updated_at'.")
    if len(value) > MAXIMUM_FIELDS_LENGTH:
        raise invalid("fields", f"is {len(value)} characters long; send at most {MAXIMUM_FIELDS_LENGTH}.")
    try:
        fields.validate_fields(MODEL_RESOURCES[model], fields.parse_fields(value))
    except fields.FieldsError as error:
        raise invalid("fields", str(error)) from None
    return value


def parse_events(model: str, value: Any) -> list[str]:
    allowed = model_events(model)
    if value is None:
        return list(allowed)
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise invalid("events", f"{value!r} is invalid; send a list such as [\"created\", \"updated\"].")
    unknown = [item for item in value if item not in allowed]
    if unknown:
        raise invalid("events", f"{unknown[0]!r} is not an event of {model}; use {', '.join(allowed)}.")
    return list(dict.fromkeys(value))


def parse_expires_at(value: Any, now: datetime.datetime) -> datetime.datetime:
    if value is None:
        return now + DEFAULT_LIFETIME
    try:
        expires_at = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise invalid("expires_at", f"{value!r} is not an ISO-8601 timestamp such as 2026-03-01T09:00:00Z.") from None
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=datetime.UTC)
    if expires_at <= now:
        raise invalid("expires_at", f"{value!r} is in the past; send a time within the next 31 days.")
    if expires_at > now + MAXIMUM_LIFETIME:
        raise invalid("expires_at", f"{value!r} is more than 31 days ahead; send a time within the next 31 days.")
    return expires_at
