"""Job service functions: request (write the row, then send the task), claim, run, redo, delete
and the periodic sweep. The database row is the truth; a Celery message only says "look at job
X". Any number of messages for one job is harmless: only a successful claim runs the handler,
and the partial unique indexes allow one RUNNING job per (type, resource) at a time."""

from __future__ import annotations

import itertools
import logging
import os
import socket
import threading
import time
import traceback
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from jobs import registry
from jobs.filters import JobFilter
from jobs.models import Job, JobStatus
from jobs.statements import claim_returning, finish_returning, one_statement, update_returning
from tricircle_site.exceptions import (
    BadRequest,
    Conflict,
    NotFound,
    ServiceUnavailable,
    TricircleError,
)

LOG = logging.getLogger(__name__)

# A request racing another for the same new key retries this many times (each retry finds the
# other's NEW row and merges into it).
MERGE_RETRIES = 5
# A NEW job is normally sent right after its commit; the sweep leaves it alone this long.
DISPATCH_GRACE_SECONDS = 2.0
MAX_ERROR_LENGTH = 4000
# The Celery task that runs a job (jobs.tasks.run_job).
RUN_TASK = "jobs.run"


# --- requests ---------------------------------------------------------------------------------
def request_job(type_name: str, project_id: str, resource: Any) -> Job:
    """Ask for the work: merged into the NEW job for the same (type, resource) when there is
    one (it has not started, so it will see this request's state), else a new NEW job whose task
    is sent after the transaction commits. A request while the same work is RUNNING makes one
    NEW job, so the change is not lost; it runs when the RUNNING one finishes."""
    job_type = registry.get(type_name)
    if not isinstance(project_id, str) or not project_id or len(project_id) > 64:
        raise BadRequest("project_id must be a non-empty project id of at most 64 characters.")
    resource = registry.clean_resource(job_type, resource)
    if not job_type.belongs_to(project_id, resource):
        raise BadRequest(f"The resource {resource} does not belong to project {project_id}.")
    key = registry.resource_key(type_name, resource)
    max_length = Job._meta.get_field("resource_key").max_length
    if max_length is not None and len(key) > max_length:
        raise BadRequest("The resource ids are too long.")
    for _ in range(MERGE_RETRIES):
        # One statement each, no transaction of our own: merged (UPDATE ... RETURNING), else
        # inserted. Inside a caller's transaction, the insert is a savepoint and the task is
        # sent when that transaction commits.
        job = _merge_into_new(type_name, key)
        if job is not None:
            return job
        try:
            with one_statement():
                job = Job.objects.create(
                    type=type_name, project_id=project_id, resource=resource, resource_key=key
                )
        except IntegrityError:
            # Another request created the NEW job between our merge and our insert.
            continue
        transaction.on_commit(partial(dispatch, job.pk))
        return job
    raise Conflict(f"Too many concurrent requests for {key}; try again.")


def _merge_into_new(type_name: str, key: str) -> Job | None:
    """The NEW job for this work with one more request, or None when there is none. The UPDATE
    locks the row: a claim taking it at the same time goes first or finds it merged."""
    merged = update_returning(
        Job.objects.filter(type=type_name, resource_key=key, status=JobStatus.NEW),
        {"request_count": F("request_count") + 1, "updated_at": timezone.now()},
    )
    return merged[0] if merged else None


def dispatch(job_id: Any, countdown: float | None = None) -> None:
    """Send the Celery task for a job. A failure to send is logged, not raised: the row exists,
    so the sweep sends it later. The task is looked up by name in the Celery app (jobs.tasks
    defines it and imports this module; JobsConfig.ready() imports jobs.tasks)."""
    args = (str(job_id),)
    try:
        task = current_app.tasks[RUN_TASK]
        # No countdown (send now) is none given: celery-types types countdown as a float only.
        if countdown is None:
            result = task.apply_async(args=args)
        else:
            result = task.apply_async(args=args, countdown=countdown)
    except Exception:
        LOG.exception("Could not send job %s to the broker; the sweep will resend it", job_id)
        return
    Job.objects.filter(pk=job_id).update(task_id=result.id, dispatched_at=timezone.now())


# --- claim and run ------------------------------------------------------------------------------
def claimable(now: datetime) -> Q:
    """Jobs a worker may take: NEW, FAIL with a retry due, or RUNNING under an expired lease
    (its worker died) with attempts left."""
    return (
        Q(status=JobStatus.NEW)
        | Q(status=JobStatus.FAIL, next_run_at__lte=now)
        | Q(
            status=JobStatus.RUNNING,
            lease_expires_at__lt=now,
            attempts__lt=settings.JOBS_MAX_ATTEMPTS,
        )
    )


def claim(job_id: Any, worker: str) -> Job | None:
    """Take the job for this worker: one conditional UPDATE ... RETURNING (one round trip), so
    of any number of workers racing for it exactly one wins, and the winner has the row. None
    when it is not claimable or when another job for the same (type, resource) is RUNNING (the
    partial unique index refuses the second)."""
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.JOBS_LEASE_SECONDS)
    try:
        with one_statement():
            claimed = claim_returning(
                job_id, worker[:255], now, lease_until, settings.JOBS_MAX_ATTEMPTS, DEFAULT_DB_ALIAS
            )
    except IntegrityError:
        return None
    return claimed[0] if claimed else None


def backoff_seconds(attempts: int) -> float:
    """Exponential: the first retry after JOBS_BACKOFF_SECONDS, doubling, at most
    JOBS_BACKOFF_MAX_SECONDS."""
    delay: float = settings.JOBS_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return min(delay, settings.JOBS_BACKOFF_MAX_SECONDS)


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run(job_id: Any, worker: str | None = None) -> str:
    """Claim the job and run its handler; record SUCCESS, or FAIL with the error and the next
    retry (none after the last attempt). Returns what happened, for the task result."""
    worker = worker or default_worker_name()
    job = claim(job_id, worker)
    if job is None:
        return "skipped: not claimable (done, running elsewhere, or not due)"
    lease = LEASES.hold(job)
    error, unanswered = "", False
    try:
        registry.get(job.type).handler(job)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"[:MAX_ERROR_LENGTH]
        unanswered = isinstance(exc, ServiceUnavailable)
        if isinstance(exc, TricircleError):  # a pod's or the input's refusal: retried
            LOG.warning("Job %s (%s) failed: %s", job.pk, job.type, exc)
        else:
            LOG.exception("Job %s (%s) failed unexpectedly", job.pk, job.type)
    finally:
        LEASES.release(lease)
    return _finish(job, error, retry_anyway=unanswered)


def _finish(job: Job, error: str, retry_anyway: bool = False) -> str:
    """One UPDATE ... RETURNING: the job's result, if the job is still ours; on success, older
    failures of the same work settled in the same statement; and, read by the same statement,
    the NEW job for the same work that waited for this one to finish. A failure is retried
    while attempts are left, and always when `retry_anyway` (a pod that did not answer or
    failed (5xx): the work is still to do when it is back, however long it was away; the
    backoff keeps such retries at most every JOBS_BACKOFF_MAX_SECONDS)."""
    now = timezone.now()
    retry_in = None
    if error and (retry_anyway or job.attempts < settings.JOBS_MAX_ATTEMPTS):
        retry_in = backoff_seconds(job.attempts)
    status = JobStatus.FAIL if error else JobStatus.SUCCESS
    next_run_at = now + timedelta(seconds=retry_in) if retry_in is not None else None
    # On success, older failures of the same work are settled by it (handlers converge to the
    # current state): they stay FAIL for the record but are not retried; only while the job is
    # still ours, which the same statement reads.
    rows = finish_returning(job, error, next_run_at, now, DEFAULT_DB_ALIAS)
    own = next((row for row in rows if row.pk == job.pk), None)
    if own is None:
        # Our lease expired and another worker took the job over; its result counts.
        return "lost the claim: the lease expired before the job finished"
    if retry_in is not None:
        dispatch(job.pk, countdown=retry_in)
    waiting_id = getattr(own, "waiting_id", None)
    if waiting_id is not None:
        # A request that came while this job ran made a NEW job whose claim was refused; now
        # it may run.
        dispatch(Job._meta.get_field("id").to_python(waiting_id))
    return f"{status}" + (f" (retry in {retry_in:.1f}s)" if retry_in is not None else "")


class _LeaseKeeper:
    """Renews the leases of the jobs running in this process, every third of the lease, so a
    long handler keeps its claim while its worker lives and loses it soon after the worker dies.
    One thread per process, started with the first job and then idle while no job runs long: a
    job that finishes within a third of the lease costs two dictionary operations, no query."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.next_wake = 0.0  # when the thread will look again, unless woken
        self.running: dict[int, tuple[Job, float]] = {}  # token -> (job, when to renew)
        self.tokens = itertools.count()
        self.thread: threading.Thread | None = None
        self.pid = 0

    def hold(self, job: Job) -> int:
        token = next(self.tokens)
        renew_at = time.monotonic() + settings.JOBS_LEASE_SECONDS / 3
        with self.lock:
            self.running[token] = (job, renew_at)
            if renew_at < self.next_wake:
                self.wake.set()  # due before the thread would look (the lease setting changed)
            if self.thread is None or self.pid != os.getpid() or not self.thread.is_alive():
                # First job in this process (a forked child has no thread of its parent's).
                self.pid = os.getpid()
                self.thread = threading.Thread(target=self._keep, name="job-leases", daemon=True)
                self.thread.start()
        return token

    def release(self, token: int) -> None:
        with self.lock:
            self.running.pop(token, None)

    def _due(self) -> tuple[list[tuple[int, Job]], float]:
        """The jobs to renew now, and how long to sleep until the next one is due (at most a
        third of the lease: a job held later is due no earlier than that, unless the setting
        changed; then hold() wakes the thread)."""
        now = time.monotonic()
        interval = settings.JOBS_LEASE_SECONDS / 3
        with self.lock:
            due = [(token, job) for token, (job, at) in self.running.items() if at <= now]
            for token, job in due:
                self.running[token] = (job, now + interval)
            self.next_wake = min((at for _, at in self.running.values()), default=now + interval)
        return due, max(self.next_wake - now, 0.01)

    def _keep(self) -> None:
        while True:
            due, sleep = self._due()
            for _, job in due:
                self._renew(job)
            if due:
                # Idle until a job runs long again (a connection left open would be closed by
                # the server's or a proxy's idle timeout anyway).
                connection.close()
            self.wake.wait(sleep)
            self.wake.clear()

    @staticmethod
    def _renew(job: Job) -> None:
        try:
            lease = timezone.now() + timedelta(seconds=settings.JOBS_LEASE_SECONDS)
            Job.objects.filter(
                pk=job.pk, status=JobStatus.RUNNING, worker=job.worker, started_at=job.started_at
            ).update(lease_expires_at=lease)
        except Exception:
            LOG.exception("Could not renew the lease of job %s", job.pk)
            connection.close()


LEASES = _LeaseKeeper()


# --- operator actions -------------------------------------------------------------------------
def get_job(job_id: Any) -> Job:
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"Job {job_id} not found.")
    return job


def redo(job: Job) -> Job:
    """Run a FAIL or NEW job again now, with its attempts reset."""
    now = timezone.now()
    try:
        with one_statement():
            redone = update_returning(
                Job.objects.filter(pk=job.pk, status__in=[JobStatus.FAIL, JobStatus.NEW]),
                {
                    "status": JobStatus.NEW,
                    "attempts": 0,
                    "next_run_at": None,
                    "worker": "",
                    "lease_expires_at": None,
                    "updated_at": now,
                },
            )
    except IntegrityError as exc:
        raise Conflict(
            f"Job {job.pk} cannot be redone: a NEW job for the same resource is already waiting "
            "to run."
        ) from exc
    if not redone:
        job.refresh_from_db()
        raise Conflict(f"Job {job.pk} is {job.status}; only FAIL and NEW jobs can be redone.")
    transaction.on_commit(partial(dispatch, job.pk))
    for field in Job._meta.concrete_fields:  # the caller's object, as the row now is
        setattr(job, field.attname, getattr(redone[0], field.attname))
    return job


def delete(job: Job) -> None:
    deleted, _ = Job.objects.filter(pk=job.pk).exclude(status=JobStatus.RUNNING).delete()
    if not deleted:
        if Job.objects.filter(pk=job.pk).exists():
            raise Conflict(f"Job {job.pk} is RUNNING; it can be deleted once it has finished.")
        raise NotFound(f"Job {job.pk} not found.")


# --- the periodic sweep -------------------------------------------------------------------------
def sweep_candidates(now: datetime) -> dict[str, QuerySet[Job]]:
    """What the sweep sends again, oldest first, each kind at most JOBS_SWEEP_BATCH:
    - NEW jobs never sent (after a short grace for the send that follows the commit) or sent
      more than JOBS_RESEND_AFTER_SECONDS ago (the message may be lost);
    - FAIL jobs whose retry is due (their countdown message may be lost);
    - RUNNING jobs whose lease expired (their worker died), while they have attempts left."""
    grace = now - timedelta(seconds=min(DISPATCH_GRACE_SECONDS, settings.JOBS_RESEND_AFTER_SECONDS))
    resend_before = now - timedelta(seconds=settings.JOBS_RESEND_AFTER_SECONDS)
    batch = settings.JOBS_SWEEP_BATCH
    return {
        "new": Job.objects.filter(
            Q(dispatched_at__isnull=True, created_at__lt=grace)
            | Q(dispatched_at__lt=resend_before),
            status=JobStatus.NEW,
        ).order_by("created_at")[:batch],
        "retry": Job.objects.filter(status=JobStatus.FAIL, next_run_at__lte=grace).order_by(
            "next_run_at"
        )[:batch],
        "expired": Job.objects.filter(
            status=JobStatus.RUNNING,
            lease_expires_at__lt=now,
            attempts__lt=settings.JOBS_MAX_ATTEMPTS,
        ).order_by("lease_expires_at")[:batch],
    }


def sweep() -> dict[str, int]:
    """Resend what may have been lost (see sweep_candidates) and fail the jobs whose worker died
    during their last attempt. Returns how many of each kind."""
    now = timezone.now()
    counts = {}
    for kind, jobs in sweep_candidates(now).items():
        ids = list(jobs.values_list("pk", flat=True))
        for job_id in ids:
            dispatch(job_id)
        counts[kind] = len(ids)
    counts["abandoned"] = Job.objects.filter(
        status=JobStatus.RUNNING,
        lease_expires_at__lt=now,
        attempts__gte=settings.JOBS_MAX_ATTEMPTS,
    ).update(
        status=JobStatus.FAIL,
        next_run_at=None,
        worker="",
        lease_expires_at=None,
        finished_at=now,
        updated_at=now,
        last_error="The worker was lost during the last attempt (its lease expired).",
    )
    if any(counts.values()):
        LOG.info("Jobs sweep: %s", counts)
    return counts


# --- reading, for the dashboard -----------------------------------------------------------------
def list_jobs(filters: dict[str, str], limit: int = 200) -> list[Job]:
    """Newest first, filtered like the admin API's list (status, type, project_id)."""
    return list(JobFilter(filters, queryset=Job.objects.order_by("-id")).qs[:limit])


def status_counts() -> dict[str, int]:
    """Jobs per status, every status present (0 when none)."""
    counts = dict.fromkeys(JobStatus.values, 0)
    for row in Job.objects.values("status").annotate(jobs=Count("id")).order_by():
        counts[row["status"]] = row["jobs"]
    return counts


def newest_failures(limit: int = 5) -> list[Job]:
    return list(Job.objects.filter(status=JobStatus.FAIL).order_by("-finished_at", "-id")[:limit])


def jobs_mentioning(resource_id: str, limit: int = 50) -> list[Job]:
    """Jobs whose resource names this id (the resource key holds every id of the resource)."""
    if not resource_id:
        return []
    return list(Job.objects.filter(resource_key__contains=resource_id).order_by("-id")[:limit])
