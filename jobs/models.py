"""Jobs: units of asynchronous cross-pod work. The row is the truth; a Celery task only carries
the job id to a worker, which claims the row before running the handler."""

from __future__ import annotations

import os
import threading
import time
import uuid

from django.db import models
from django_celery_results.models import TaskResult

_uuid7_lock = threading.Lock()
_uuid7_last = 0


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7, with the 12 rand_a bits holding a sub-millisecond
    fraction): ordering jobs by id is ordering them by age, so the admin API's keyset pagination
    (newest first by id) works as it does for integer ids. Increasing within a process."""
    global _uuid7_last
    now = time.time_ns()
    millis, fraction = divmod(now, 1_000_000)
    timestamp = millis << 16 | 0x7 << 12 | fraction * 4096 // 1_000_000
    with _uuid7_lock:
        # The 64 low bits: variant, then a random part that keeps ids unique across processes.
        value = timestamp << 64 | 0x2 << 62 | int.from_bytes(os.urandom(8), "big") >> 2
        if value <= _uuid7_last:
            value = _uuid7_last + 1
        _uuid7_last = value
    return uuid.UUID(int=value)


class JobStatus(models.TextChoices):
    NEW = "NEW"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAIL = "FAIL"


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    type = models.CharField(max_length=64, db_index=True)
    project_id = models.CharField(max_length=64, db_index=True)
    # Exactly the fields the job type declares (jobs.registry), values are ids.
    resource = models.JSONField(default=dict)
    # type + resource as one canonical string: what "the same work" means for merging and for
    # the one-RUNNING-per-resource rule.
    resource_key = models.CharField(max_length=1024, db_index=True)
    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.NEW, db_index=True
    )
    # Runs started so far (a claim counts one), reset by a redo.
    attempts = models.PositiveIntegerField(default=0)
    # When a FAIL job is retried; empty when it is not retried any more.
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True, default="")
    # The worker holding a RUNNING job and until when; an expired lease may be taken over.
    worker = models.CharField(max_length=255, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Requests merged into this job (1 + the requests that found it NEW).
    request_count = models.PositiveIntegerField(default=1)
    # The last Celery task sent for the job (django-celery-results' TaskResult.task_id).
    task_id = models.CharField(max_length=255, blank=True, default="")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # Partial unique indexes (SQLite and PostgreSQL): the database itself refuses a
            # second RUNNING job, or a second NEW job, for the same work.
            models.UniqueConstraint(
                fields=["type", "resource_key"],
                condition=models.Q(status="RUNNING"),
                name="one_running_job_per_resource",
            ),
            models.UniqueConstraint(
                fields=["type", "resource_key"],
                condition=models.Q(status="NEW"),
                name="one_new_job_per_resource",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_run_at"], name="jobs_due_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.resource_key} {self.status}"

    @property
    def task_result(self) -> TaskResult | None:
        """The django-celery-results row of the last task sent for this job, once it ran."""
        if not self.task_id:
            return None
        return TaskResult.objects.filter(task_id=self.task_id).first()
