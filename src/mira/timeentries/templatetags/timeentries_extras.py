from django import template

from mira.timeentries.duration import format_duration

register = template.Library()


@register.filter
def duration(seconds: int) -> str:
    """Render seconds as a duration, e.g. 5400 -> "1h 30m"."""
    return format_duration(seconds)
