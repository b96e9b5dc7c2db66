"""A running job's lease is renewed while its handler runs, by one thread per process that
is idle for short jobs; a finished job's lease is not renewed any more."""

import time

import pytest

from jobs import services
from jobs.models import Job, JobStatus
from tests.jobs_support.factories import JobFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def slow_handler(tmp_path, monkeypatch, settings):
    settings.JOBS_LEASE_SECONDS = 0.6  # renewed every 0.2 s
    monkeypatch.setenv("TRICIRCLE_TEST_JOBS_DIR", str(tmp_path))
    (tmp_path / "sleep").write_text("1")


def test_a_long_job_keeps_its_lease_while_it_runs(slow_handler, monkeypatch):
    job = JobFactory()
    renewals = []
    real_renew = services._LeaseKeeper._renew

    def renew(job: Job) -> None:
        renewals.append(time.monotonic())
        real_renew(job)

    monkeypatch.setattr(services.LEASES, "_renew", renew)
    assert services.run(job.pk, "w1") == JobStatus.SUCCESS
    # 1 s of handler, a renewal every 0.2 s: the lease never lapsed.
    assert 3 <= len(renewals) <= 6
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCESS


def test_a_finished_job_is_not_renewed(settings):
    settings.JOBS_LEASE_SECONDS = 0.3
    job = services.claim(JobFactory(type="test_noop").pk, "w1")
    token = services.LEASES.hold(job)
    services.LEASES.release(token)
    assert token not in services.LEASES.running
    time.sleep(0.3)
    assert Job.objects.get(pk=job.pk).lease_expires_at == job.lease_expires_at


def test_one_thread_renews_every_job_of_the_process():
    services.LEASES.release(services.LEASES.hold(JobFactory.build()))
    thread = services.LEASES.thread
    services.LEASES.release(services.LEASES.hold(JobFactory.build()))
    assert services.LEASES.thread is thread
    assert thread.is_alive()
