"""Bills in the sandbox: putting activities on a bill and moving a bill through its states.

API clients only read bills; these functions are for code that sets up billing scenarios (tests and
the sandbox's control API).
"""

import datetime
import logging
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from mira.sandbox import webhooks
from mira.sandbox.ids import save_with_new_id
from mira.sandbox.models import Activity, Bill

logger = logging.getLogger(__name__)

FIRST_BILL_ID = 3_100_000_000
STATES = tuple(state for state, _ in Bill.STATES)
PAYMENT_TERM = datetime.timedelta(days=30)


class BillingError(ValueError):
    """A request to bill activities or change a bill that the sandbox's bill rules do not allow."""


def put_activities_on_bill(activity_ids: Iterable[int], state: str = "draft", notify: bool = True) -> Bill:
    """Create a MatterBill in `state` holding the activities, which must all be on one matter and on no active bill.

    With notify, webhooks fire for the new bill (created) and for each activity (updated); callers that
    pass notify=True must not call webhooks.notify_record_changed for these changes again.
    """
    ids = sorted(set(activity_ids))
    if not ids:
        raise BillingError("No activity ids given; pass the ids of the activities to bill.")
    if state not in STATES:
        raise BillingError(f"Bill state {state!r} is invalid; use one of {', '.join(STATES)}.")

    with transaction.atomic():
        activities = _billable_activities(ids)
        bill = _new_bill(activities, state)
        Activity.objects.filter(id__in=ids).update(bill=bill, updated_at=bill.updated_at)
    logger.info("Put activities %s on bill %s (%s)", ids, bill.id, state)

    if notify:
        _notify_bill_and_activities(bill, "created")
    return bill


def set_bill_state(bill_id: int, state: str, notify: bool = True) -> Bill:
    """Move a bill to `state` (any state; the sandbox does not enforce Clio's workflow) and touch its activities."""
    if state not in STATES:
        raise BillingError(f"Bill state {state!r} is invalid; use one of {', '.join(STATES)}.")
    bill = Bill.objects.filter(pk=bill_id).first()
    if bill is None:
        raise BillingError(f"No bill with id {bill_id}; check the id.")

    now = timezone.now()
    with transaction.atomic():
        bill.state = state
        bill.updated_at = now
        _apply_payment_state(bill, now)
        bill.save()
        bill.activities.update(updated_at=now)
    logger.info("Bill %s is now %s", bill.id, state)

    if notify:
        _notify_bill_and_activities(bill, "updated")
    return bill


def _billable_activities(ids: list[int]) -> list[Activity]:
    activities = list(Activity.objects.select_related("matter", "bill").select_for_update(of=("self",)).filter(id__in=ids))
    missing = sorted(set(ids) - {activity.id for activity in activities})
    if missing:
        raise BillingError(f"No activities with ids {missing}; check the ids.")

    matters = {activity.matter_id for activity in activities}
    if None in matters or len(matters) != 1:
        raise BillingError(f"Activities {ids} must all belong to one matter to go on a matter bill; found matters {sorted(map(str, matters))}.")

    on_bill = [activity.id for activity in activities if activity.on_bill]
    if on_bill:
        raise BillingError(f"Activities {on_bill} are already on a bill; void or delete that bill first.")
    return activities


def _new_bill(activities: list[Activity], state: str) -> Bill:
    matter = activities[0].matter
    now = timezone.now()
    total = sum((activity.total for activity in activities), Decimal("0.00"))
    bill = Bill(
        number=str(Bill.objects.count() + 1),
        state=state,
        matter=matter,
        client=matter.client,
        user=matter.responsible_attorney,
        subject=f"Services on {matter.display_number}",
        issued_at=now.date(),
        due_at=now.date() + PAYMENT_TERM,
        start_at=min(activity.date for activity in activities),
        end_at=max(activity.date for activity in activities),
        sub_total=total,
        total=total,
        created_at=now,
        updated_at=now,
    )
    _apply_payment_state(bill, now)
    save_with_new_id(bill, FIRST_BILL_ID)
    return bill


def _apply_payment_state(bill: Bill, now: datetime.datetime) -> None:
    # A paid bill has no balance left; every other state owes the whole total (the sandbox has no partial payments).
    if bill.state == "paid":
        bill.paid = bill.total
        bill.balance = Decimal("0.00")
        bill.paid_at = bill.paid_at or now
        return
    bill.paid = Decimal("0.00")
    bill.balance = bill.total
    bill.paid_at = None


def _notify_bill_and_activities(bill: Bill, bill_event: str) -> None:
    webhooks.notify_record_changed("bill", bill, bill_event)
    for activity in Activity.objects.select_related("bill").filter(bill=bill):
        webhooks.notify_record_changed("activity", activity, "updated")
