"""The embedded default: the SQLite-file broker (kombu's SQLAlchemy transport) and one
`celery worker --beat` process, as .ci/start runs them, run a job created through the API and
the periodic sweep; no server beyond files."""

import pytest

from jobs.models import Job, JobStatus
from tests.conftest import BROKER_TEST_JOBS_ENV, DEMO_PROJECT
from tests.jobs_support.broker import Workers, celery_sending_to, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_job_created_through_the_api_runs_on_the_embedded_broker(tmp_path, admin, monkeypatch):
    broker_url = f"sqla+sqlite:///{tmp_path / 'celery-broker.sqlite3'}"
    workers = Workers(tmp_path, broker_url=broker_url, **BROKER_TEST_JOBS_ENV)
    with celery_sending_to(broker_url, workers.queue):
        try:
            workers.start_worker(
                "embedded", "--beat", "--schedule", str(tmp_path / "beat-schedule")
            )
            workers.wait_ready("embedded")
            body = {"job": {"type": "test_record", "project_id": DEMO_PROJECT}}
            body["job"]["resource"] = {"item_id": "embedded"}
            response = admin.post("/v1.0/jobs", body, "json")
            assert response.status_code == 202, response.content
            job_id = response.json()["job"]["id"]
            try:
                wait_for(
                    lambda: Job.objects.get(pk=job_id).status == JobStatus.SUCCESS,
                    30,
                    "the embedded worker to run the job",
                )
                # The beat in the same process sends the sweep.
                wait_for(lambda: "jobs.sweep" in workers.log("embedded").read_text(), 10, "a sweep")
            except AssertionError as exc:
                # The worker's log is the only account of why it did not (a CI run on
                # PostgreSQL once waited the 30 s, without it).
                status = Job.objects.get(pk=job_id).status
                log = workers.log("embedded").read_text()[-4000:]
                raise AssertionError(f"{exc}; the job is {status}; log:\n{log}") from exc
        finally:
            workers.stop_all()


def test_the_embedded_broker_is_polled_ten_times_a_second(tmp_path):
    """kombu's SQL transport sleeps a second whenever its queues are empty: a job would wait up
    to that long to start (README, "Performance")."""
    from tricircle_site.celery import app

    with app.connection_for_write(f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}") as connection:
        assert connection.transport.polling_interval == 0.1
