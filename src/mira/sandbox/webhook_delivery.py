"""Webhook deliveries in a background thread of the sandbox process: handshakes, signed events and retries.

Each job re-reads its webhook before sending, so a webhook that was deleted, suspended, expired or moved
to another URL since the job was queued gets nothing. Jobs live in memory and are lost on restart.
"""

import dataclasses
import hashlib
import hmac
import heapq
import itertools
import json
import logging
import threading
import time

import httpx
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from mira.sandbox.models import Webhook

logger = logging.getLogger(__name__)

DEFAULT_RETRY_SECONDS = 120.0
DEFAULT_TIMEOUT_SECONDS = 10.0
MAXIMUM_RETRIES = 5
CONTENT_TYPE = "application/json; charset=utf-8"


def retry_base_seconds() -> float:
    """Return the delay before the first retry; each later retry waits twice as long as the one before."""
    return float(getattr(settings, "MIRA_SANDBOX_WEBHOOK_RETRY_SECONDS", DEFAULT_RETRY_SECONDS))


def timeout_seconds() -> float:
    return float(getattr(settings, "MIRA_SANDBOX_WEBHOOK_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))


def sign(body: bytes, shared_secret: str) -> str:
    """Return the X-Hook-Signature value: the hex HMAC-SHA256 of the raw body keyed by the shared secret."""
    return hmac.new(shared_secret.encode(), body, hashlib.sha256).hexdigest()


@dataclasses.dataclass(order=True)
class Job:
    due: float
    sequence: int
    kind: str = dataclasses.field(compare=False)
    webhook_id: int = dataclasses.field(compare=False)
    url: str = dataclasses.field(compare=False)
    body: bytes = dataclasses.field(compare=False)
    retries: int = dataclasses.field(default=0, compare=False)


class DeliveryQueue:
    """A time-ordered queue of jobs worked through by one daemon thread, started on first use."""

    def __init__(self) -> None:
        self._jobs: list[Job] = []
        self._condition = threading.Condition()
        self._sequence = itertools.count()
        self._thread: threading.Thread | None = None
        self._busy = False

    def submit(self, kind: str, webhook_id: int, url: str, body: bytes, delay: float = 0.0, retries: int = 0) -> None:
        job = Job(time.monotonic() + delay, next(self._sequence), kind, webhook_id, url, body, retries)
        with self._condition:
            heapq.heappush(self._jobs, job)
            self._start_thread()
            self._condition.notify_all()

    def wait_until_idle(self, timeout: float) -> bool:
        """Block until no job is queued or running; return False if that took longer than timeout seconds."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._jobs or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(min(remaining, 0.05))
        return True

    def clear(self) -> None:
        """Drop every queued job (a running one still finishes); tests call it between cases."""
        with self._condition:
            self._jobs.clear()

    def _start_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._run, name="sandbox-webhook-delivery", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._next_due_job()
            try:
                close_old_connections()
                _process(job)
            except Exception:
                logger.exception("Webhook %s %s job failed unexpectedly; dropping it", job.webhook_id, job.kind)
            finally:
                connection.close()
                with self._condition:
                    self._busy = False
                    self._condition.notify_all()

    def _next_due_job(self) -> Job:
        with self._condition:
            while True:
                now = time.monotonic()
                if self._jobs and self._jobs[0].due <= now:
                    self._busy = True
                    return heapq.heappop(self._jobs)
                wait = self._jobs[0].due - now if self._jobs else None
                self._condition.wait(wait)


queue = DeliveryQueue()


def schedule_handshake(webhook: Webhook) -> None:
    """Queue the activation request to the webhook's URL carrying X-Hook-Secret."""
    body = json.dumps({"webhook_id": webhook.id}).encode()
    queue.submit("handshake", webhook.id, webhook.url, body)


def schedule_event(webhook: Webhook, body: bytes) -> None:
    queue.submit("event", webhook.id, webhook.url, body)


def _process(job: Job) -> None:
    webhook = Webhook.objects.filter(pk=job.webhook_id).first()
    if webhook is None or webhook.url != job.url:
        logger.info("Webhook %s was deleted or its URL changed; dropping the %s job", job.webhook_id, job.kind)
        return
    if job.kind == "handshake":
        _send_handshake(webhook, job)
    else:
        _send_event(webhook, job)


def _send_handshake(webhook: Webhook, job: Job) -> None:
    if webhook.status != "pending":
        return
    headers = {"Content-Type": CONTENT_TYPE, "X-Hook-Secret": webhook.shared_secret}
    response = _post(job, headers)
    if response is None:
        return

    echoed = response.headers.get("X-Hook-Secret", "")
    if response.status_code != 200 or not hmac.compare_digest(echoed, webhook.shared_secret):
        # NOTE: Clio's handling of a failed handshake is not documented; the sandbox leaves the webhook
        # pending without retrying, and PUT webhooks/{id}/activate can still enable it.
        logger.info("Webhook %s handshake got %s without the secret echoed; it stays pending", webhook.id, response.status_code)
        return
    enabled = Webhook.objects.filter(pk=webhook.id, status="pending", url=job.url).update(
        status="enabled", updated_at=timezone.now()
    )
    logger.info("Webhook %s handshake succeeded; enabled: %s", webhook.id, bool(enabled))


def _send_event(webhook: Webhook, job: Job) -> None:
    if webhook.status != "enabled" or webhook.expires_at <= timezone.now():
        logger.info("Webhook %s is %s or expired; dropping an event", webhook.id, webhook.status)
        return
    headers = {"Content-Type": CONTENT_TYPE, "X-Hook-Signature": sign(job.body, webhook.shared_secret)}
    response = _post(job, headers)

    if response is not None and response.status_code == 410:
        Webhook.objects.filter(pk=webhook.id).update(status="suspended", updated_at=timezone.now())
        logger.info("Webhook %s got 410 Gone; suspended it", webhook.id)
        return
    if response is not None and 200 <= response.status_code < 400:
        logger.info("Webhook %s delivery succeeded with %s", webhook.id, response.status_code)
        return
    _retry(job, response)


def _retry(job: Job, response: httpx.Response | None) -> None:
    outcome = "no response" if response is None else f"status {response.status_code}"
    if job.retries >= MAXIMUM_RETRIES:
        logger.warning("Webhook %s delivery failed (%s) after %s retries; giving up", job.webhook_id, outcome, job.retries)
        return
    delay = retry_base_seconds() * 2**job.retries
    logger.info("Webhook %s delivery failed (%s); retry %s in %.1f s", job.webhook_id, outcome, job.retries + 1, delay)
    queue.submit(job.kind, job.webhook_id, job.url, job.body, delay=delay, retries=job.retries + 1)


def _post(job: Job, headers: dict[str, str]) -> httpx.Response | None:
    # trust_env=False keeps proxy variables from redirecting traffic; redirects are not followed either,
    # so a request only ever goes to the URL the subscriber registered.
    try:
        with httpx.Client(timeout=timeout_seconds(), follow_redirects=False, trust_env=False) as client:
            return client.post(job.url, content=job.body, headers=headers)
    except httpx.HTTPError as error:
        logger.info("Webhook %s %s request failed: %s", job.webhook_id, job.kind, type(error).__name__)
        return None
