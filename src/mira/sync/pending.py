"""Look in the task queue for a job already waiting or running, so the same job is not queued twice.

Works with the database task backend (django_tasks_db), the one MIRA runs with. Other backends keep
no queue MIRA can read, so with them nothing counts as pending.
"""

from datetime import timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends
from django_tasks.base import Task

# A RUNNING row older than this is taken to belong to a worker that died mid-job, since no job holds
# a connection's lane longer without renewing it (lanes.DEFAULT_LEASE_SECONDS is 600).
STALE_RUNNING_SECONDS = 2 * 60 * 60


def is_pending(task: Task, **kwargs: object) -> bool:
    """Return True if `task` is queued (now or later) or running with these keyword arguments."""
    if not _uses_database_backend(task):
        return False

    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path=task.module_path)
    for name, value in kwargs.items():
        queued = queued.filter(**{f"args_kwargs__kwargs__{name}": value})

    recent = timezone.now() - timedelta(seconds=STALE_RUNNING_SECONDS)
    waiting = queued.filter(status=TaskResultStatus.READY)
    running = queued.filter(status=TaskResultStatus.RUNNING, started_at__gte=recent)
    return waiting.exists() or running.exists()


def _uses_database_backend(task: Task) -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends[task.backend], DatabaseBackend)
