"""The Celery result backend (CELERY_RESULT_BACKEND): django-celery-results' database backend,
the same rows (TaskResult, read by Job.task_result and the Django admin), each state stored in
one round trip (an INSERT in autocommit) instead of a SELECT and an INSERT in a transaction."""

from __future__ import annotations

import uuid
from contextlib import nullcontext
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django_celery_results.backends.database import (  # type: ignore[import-untyped]
    DatabaseBackend,
)
from django_celery_results.managers import TaskResultManager
from django_celery_results.models import TaskResult


class TaskResultStore(TaskResultManager):
    """django-celery-results' storing of a task's state, in one round trip: an INSERT (in
    autocommit, no transaction around it), an UPDATE only when the task's row is there already
    (a message delivered again, a retried task). Its look-ups are the package's own."""

    def store_result(
        self,
        content_type: str,
        content_encoding: str,
        task_id: str | uuid.UUID,
        result: str,
        status: str,
        traceback: str | None = None,
        meta: str | None = None,
        task_name: str | None = None,
        task_args: str | None = None,
        task_kwargs: str | None = None,
        using: str | None = None,
        *,
        periodic_task_name: str | None = None,
        worker: str | None = None,
        **kwargs: Any,
    ) -> TaskResult:
        """Stores the state; returns the row as stored (without its id when it was updated)."""
        fields: dict[str, Any] = {
            "content_type": content_type,
            "content_encoding": content_encoding,
            "result": result,
            "status": status,
            "traceback": traceback,
            "meta": meta,
            "periodic_task_name": periodic_task_name,
            "task_name": task_name,
            "task_args": task_args,
            "task_kwargs": task_kwargs,
            "worker": worker,
        }
        if "date_started" in kwargs:
            fields["date_started"] = kwargs["date_started"]
        db = using or router.db_for_write(TaskResult)
        savepoint = transaction.atomic(using=db) if connections[db].in_atomic_block else None
        stored = TaskResult(task_id=task_id, **fields)
        try:
            with savepoint or nullcontext():
                stored.save(force_insert=True, using=db)
        except IntegrityError:
            stored.pk = None
            TaskResult.objects.using(db).filter(task_id=task_id).update(
                **fields, date_done=timezone.now()
            )
        return stored


def _task_result_store() -> TaskResultStore:
    """A TaskResultStore on TaskResult, outside the model's managers (it is the package's
    model: its admin and its migrations stay as they are)."""
    store = TaskResultStore()
    store.model = TaskResult
    store.name = "store"
    return store


class TaskResults:
    """What the backend knows as its model: TaskResult's exception, and the store as its
    manager (the backend uses nothing else of it)."""

    DoesNotExist = TaskResult.DoesNotExist
    _default_manager = _task_result_store()


class ResultBackend(DatabaseBackend):  # type: ignore[misc]
    TaskModel = TaskResults
