"""Turn Clio API records (dicts from `mira.clio.ClioClient`) into the field values of MIRA's mirror.

Each function reads only the fields the mirror keeps, so the diff compares like with like.
"""

from datetime import datetime

from django.utils.dateparse import parse_datetime


def parse_timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    return parse_datetime(value)


def user_fields(record: dict) -> dict:
    return {
        "name": (record.get("name") or "").strip()[:200],
        "email": (record.get("email") or "").strip()[:254],
        "enabled": bool(record.get("enabled", True)),
        "subscription_type": (record.get("subscription_type") or "")[:20],
        "clio_updated_at": parse_timestamp(record.get("updated_at")),
    }


def contact_fields(record: dict) -> dict:
    return {
        "name": (record.get("name") or "").strip()[:300],
        "type": record.get("type") or "Person",
        "clio_updated_at": parse_timestamp(record.get("updated_at")),
    }


def matter_fields(record: dict) -> dict:
    """Return the matter's fields; the client is kept as `client_clio_id` and linked when applied."""
    client = record.get("client") or {}
    return {
        "display_number": (record.get("display_number") or "").strip()[:100],
        "description": record.get("description") or "",
        "status": (record.get("status") or "")[:10],
        "client_clio_id": client.get("id"),
        "clio_updated_at": parse_timestamp(record.get("updated_at")),
    }


def activity_description_fields(record: dict) -> dict:
    return {
        "name": (record.get("name") or "").strip()[:300],
        "clio_updated_at": parse_timestamp(record.get("updated_at")),
    }
