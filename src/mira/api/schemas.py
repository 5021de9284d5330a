"""Request and response shapes of the JSON API."""

import datetime

from ninja import Schema


class FirmOut(Schema):
    name: str
    account_id: str
    live: bool


class MeOut(Schema):
    email: str
    name: str
    role: str
    firm: FirmOut | None


class ChecklistItemOut(Schema):
    key: str
    label: str
    done: bool


class SyncRunOut(Schema):
    status: str
    trigger: str
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    counts: dict
    error: str


class ClioConnectionOut(Schema):
    region: str
    app_name: str
    client_id: str
    client_secret_saved: bool
    matter_statuses: list[str]
    status: str
    clio_user_name: str
    clio_account_name: str
    connected_at: datetime.datetime | None
    last_error: str
    last_sync: SyncRunOut | None
    counts: dict
    checklist: list[ChecklistItemOut]


class MatterOut(Schema):
    id: int
    clio_id: int
    display_number: str
    description: str
    status: str
    client: str | None


class TimeEntryIn(Schema):
    matter_id: int
    date: datetime.date
    duration: str
    narrative: str
    activity_description_id: int | None = None


class TimeEntryOut(Schema):
    id: int
    matter_id: int
    matter: str
    date: datetime.date
    duration_seconds: int
    narrative: str
    status: str
    clio_activity_id: int | None
    delivery_error: str


class ErrorOut(Schema):
    message: str
    fields: dict[str, list[str]] = {}
