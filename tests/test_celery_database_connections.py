"""A worker keeps its database connection from one task to the next (Celery would close it
after every task): closed only as Django closes it after a request (CONN_MAX_AGE, an error),
and never around an eager task, which runs inside its caller."""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection, transaction

from tricircle_site.celery import app, close_old_database_connections

pytestmark = pytest.mark.django_db(transaction=True)


def task(eager: bool) -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


def test_celery_does_not_close_the_connection_after_every_task():
    assert app.conf.get("CELERY_DB_REUSE_MAX") == settings.CELERY_DB_REUSE_MAX >= 100


def test_a_usable_connection_is_kept_from_one_task_to_the_next():
    connection.ensure_connection()
    connection.close_at = None  # no CONN_MAX_AGE limit, whatever the database
    kept = connection.connection
    close_old_database_connections(task=task(eager=False))
    assert connection.connection is kept


def test_a_connection_with_an_expired_age_is_closed():
    connection.ensure_connection()
    connection.close_at = 0  # long past
    close_old_database_connections(task=task(eager=False))
    assert connection.connection is None


def test_an_eager_task_leaves_its_callers_transaction_alone():
    with transaction.atomic():
        connection.close_at = 0
        kept = connection.connection
        close_old_database_connections(task=task(eager=True))
        assert connection.connection is kept
