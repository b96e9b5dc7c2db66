"""Task results (django-celery-results' TaskResult rows, Job.task_result) are stored in one
statement per state: an INSERT, or an UPDATE when the task's row exists (a message delivered
again)."""

import pytest
from celery import states
from django.db import transaction
from django_celery_results.models import TaskResult

from jobs.results import ResultBackend, TaskResults
from tricircle_site.celery import app

pytestmark = pytest.mark.django_db(transaction=True)


def store(task_id: str, status: str, result: str) -> None:
    TaskResults._default_manager.store_result(
        "application/json", "utf-8", task_id, result, status, task_name="jobs.run", worker="w1"
    )


def test_the_result_backend_is_the_one_statement_store():
    assert isinstance(app.backend, ResultBackend)
    assert app.backend.TaskModel is TaskResults


def test_a_new_result_is_one_insert(django_assert_num_queries):
    with django_assert_num_queries(1):
        store("t-1", states.SUCCESS, '"SUCCESS"')
    row = TaskResult.objects.get(task_id="t-1")
    assert (row.status, row.task_name, row.worker, row.result) == (
        states.SUCCESS,
        "jobs.run",
        "w1",
        '"SUCCESS"',
    )


def test_a_result_stored_again_updates_the_row():
    store("t-2", states.FAILURE, '"first"')
    created = TaskResult.objects.get(task_id="t-2")
    store("t-2", states.SUCCESS, '"again"')
    row = TaskResult.objects.get(task_id="t-2")
    assert (row.pk, row.status, row.result) == (created.pk, states.SUCCESS, '"again"')
    assert row.date_created == created.date_created
    assert row.date_done >= created.date_done


def test_inside_a_transaction_a_repeated_store_does_not_break_it():
    store("t-3", states.SUCCESS, '"one"')
    with transaction.atomic():
        store("t-3", states.SUCCESS, '"two"')
        assert TaskResult.objects.get(task_id="t-3").result == '"two"'
