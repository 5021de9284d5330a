"""Parsing the durations timekeepers type."""

import pytest

from mira.timeentries.duration import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1.5", 5400),
        ("1:30", 5400),
        ("90m", 5400),
        ("1h 30m", 5400),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("2 hours", 7200),
        ("45 min", 2700),
        (".25", 900),
        ("0:06", 360),
        ("0.1", 360),
        ("24", 86400),
        ("24:00", 86400),
        ("  2h  ", 7200),
        ("1H 5M", 3900),
    ],
)
def test_duration_accepted_forms(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "message_part"),
    [
        ("", "Enter a duration"),
        ("abc", "“abc” is not a duration"),
        ("1,5", "“1,5” is not a duration"),
        ("1:75", "“1:75” is not a duration"),
        ("-1", "“-1” is not a duration"),
        ("0", "greater than zero"),
        ("0:00", "greater than zero"),
        ("0m", "greater than zero"),
        ("24.01", "more than 24 hours"),
        ("24:01", "more than 24 hours"),
        ("1500m", "more than 24 hours"),
    ],
)
def test_duration_rejected_forms(text, message_part):
    with pytest.raises(DurationError) as raised:
        parse_duration(text)

    assert message_part in str(raised.value)


def test_duration_error_lists_accepted_forms():
    with pytest.raises(DurationError) as raised:
        parse_duration("soon")

    for form in ("1.5", "1:30", "90m", "1h 30m"):
        assert form in str(raised.value)


@pytest.mark.parametrize("seconds", [60, 360, 3600, 3636, 5400, 100, 86400])
def test_format_duration_parses_back(seconds):
    assert parse_duration(format_duration(seconds)) == seconds
