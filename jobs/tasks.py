"""Celery tasks: they carry a job id to a worker; jobs.services does the work."""

from __future__ import annotations

import os

from celery import Task, shared_task

from jobs import services


@shared_task(name=services.RUN_TASK, bind=True, acks_late=True)
def run_job(self: Task[[str], str], job_id: str) -> str:
    # Acknowledged after the run: a worker killed mid-job leaves the message to be delivered
    # again; the claim (with its lease) decides whether anything runs.
    return services.run(job_id, worker=f"{self.request.hostname}:{os.getpid()}")


@shared_task(name="jobs.sweep")
def sweep() -> dict[str, int]:
    return services.sweep()
