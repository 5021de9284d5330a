"""Parse the durations timekeepers type ("1.5", "1:30", "90m", "1h 30m") into whole seconds."""

import re
from decimal import Decimal, InvalidOperation

MAX_DURATION_SECONDS = 24 * 60 * 60

ACCEPTED_FORMS = '1.5 (hours), 1:30 (hours:minutes), 90m (minutes) or 1h 30m'

_HOURS_MINUTES = re.compile(r"^(\d{1,2}):([0-5]\d)$")
_UNITS = re.compile(r"^(?:(\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?)?\s*(?:(\d+(?:\.\d+)?)\s*m(?:in(?:ute)?s?)?)?$")


class DurationError(ValueError):
    """The text is not a duration MIRA accepts; the message names the value and the accepted forms."""


def parse_duration(text: str) -> int:
    """Return the duration in seconds, more than 0 and at most 24 hours.

    Decimal hours are rounded to the nearest second. Raises DurationError for anything else.
    """
    value = (text or "").strip().lower()
    if not value:
        raise DurationError(f"Enter a duration, such as {ACCEPTED_FORMS}.")

    seconds = _parse_seconds(value)
    if seconds is None:
        raise DurationError(f"“{text.strip()}” is not a duration MIRA understands. Use {ACCEPTED_FORMS}.")
    if seconds <= 0:
        raise DurationError(f"“{text.strip()}” is zero. Enter a duration greater than zero.")
    if seconds > MAX_DURATION_SECONDS:
        raise DurationError(f"“{text.strip()}” is more than 24 hours. Split it into entries of one day each.")
    return seconds


def _parse_seconds(value: str) -> int | None:
    hours_minutes = _HOURS_MINUTES.match(value)
    if hours_minutes:
        return int(hours_minutes.group(1)) * 3600 + int(hours_minutes.group(2)) * 60

    plain_hours = _decimal(value)
    if plain_hours is not None:
        return round(plain_hours * 3600)

    units = _UNITS.match(value)
    if units and (units.group(1) or units.group(2)):
        hours = _decimal(units.group(1) or "0")
        minutes = _decimal(units.group(2) or "0")
        return round(hours * 3600 + minutes * 60)
    return None


def _decimal(value: str) -> Decimal | None:
    if not re.fullmatch(r"\d+(?:\.\d+)?|\.\d+", value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def format_duration(seconds: int) -> str:
    """Return seconds in a form parse_duration reads back to the same value: "1h 30m", or "1.0100"."""
    seconds = int(seconds)
    if seconds % 60:
        # Decimal hours with 4 places are within 0.18 s, so they parse back to the same second.
        return f"{Decimal(seconds) / 3600:.4f}"

    hours, minutes = divmod(seconds // 60, 60)
    if hours and minutes:
        return f"{hours}h {minutes}m"
    if hours:
        return f"{hours}h"
    return f"{minutes}m"
