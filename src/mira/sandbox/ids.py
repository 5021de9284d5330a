"""Assigning Clio-style ids to new sandbox records; the tables have no auto-increment."""

import logging

from django.db import IntegrityError, models, transaction
from django.db.models import Max

from mira.sandbox.api import ApiError

logger = logging.getLogger(__name__)

ATTEMPTS = 5


def save_with_new_id(record: models.Model, first_id: int) -> None:
    """Insert `record` with the next id after the table's highest (or after first_id); retry if a concurrent insert took it."""
    model = type(record)
    for attempt in range(ATTEMPTS):
        highest = model.objects.aggregate(highest=Max("id"))["highest"] or first_id
        record.id = highest + 1
        try:
            with transaction.atomic():
                record.save(force_insert=True)
            return
        except IntegrityError:
            logger.info("%s id %s was taken by a concurrent insert (attempt %s); retrying", model.__name__, record.id, attempt + 1)
    raise ApiError(409, "Conflict", f"Could not assign a {model.__name__} id after {ATTEMPTS} attempts; retry the request.")
