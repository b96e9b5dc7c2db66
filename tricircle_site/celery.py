"""The Celery application: configuration comes from Django settings (CELERY_*)."""

import logging.config
import os
from typing import Any

from celery import Celery, Task
from celery.signals import setup_logging, task_postrun, task_prerun
from django.conf import settings
from django.db import close_old_connections

from tricircle_site import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tricircle_site.settings")

broker.register_embedded_transport()
app = Celery("tricircle")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs: object) -> None:
    """Workers log where the gateway logs (settings.LOGGING: stderr and TRICIRCLE_LOG_FILE)."""
    logging.config.dictConfig(settings.LOGGING)


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(task: Task[Any, Any] | None = None, **kwargs: object) -> None:
    """Around each task, what Django does around each request: a connection older than
    CONN_MAX_AGE, or one that had an error, is closed (the next query opens a new one); a good
    one is kept (CELERY_DB_REUSE_MAX keeps Celery from closing it after every task). Not for an
    eager task: it runs inside its caller, perhaps in the caller's transaction."""
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()
