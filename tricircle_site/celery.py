"""The Celery application: configuration comes from Django settings (CELERY_*)."""

import logging.config
import os

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tricircle_site.settings")

app = Celery("tricircle")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs: object) -> None:
    """Workers log where the gateway logs (settings.LOGGING: stderr and TRICIRCLE_LOG_FILE)."""
    logging.config.dictConfig(settings.LOGGING)
