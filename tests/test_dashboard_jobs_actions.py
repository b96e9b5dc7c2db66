"""The dashboard's jobs: filterable list, the live-refresh partials, detail with error text and
attempts, redo and delete through jobs.services (the admin API's rules and messages)."""

import re

import pytest
from django.utils import timezone

from jobs.models import Job, JobStatus
from tests.dashboard_support import log_in
from tests.jobs_support.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, keystone):
    return log_in(client)


def listed(html: str) -> set[str]:
    return set(re.findall(r'<tr data-job="([^"]+)"', html))


def test_the_list_filters_by_status_type_and_project(staff):
    failed = JobFactory(status=JobStatus.FAIL, project_id="p1")
    done = JobFactory(status=JobStatus.SUCCESS, project_id="p2")
    other_type = JobFactory(type="test_noop", project_id="p1")
    html = staff.get("/dashboard/jobs").content.decode()
    assert listed(html) == {str(failed.pk), str(done.pk), str(other_type.pk)}
    assert listed(staff.get("/dashboard/jobs", {"status": "FAIL"}).content.decode()) == {
        str(failed.pk)
    }
    assert listed(staff.get("/dashboard/jobs", {"type": "test_noop"}).content.decode()) == {
        str(other_type.pk)
    }
    assert listed(staff.get("/dashboard/jobs", {"project_id": "p1"}).content.decode()) == {
        str(failed.pk),
        str(other_type.pk),
    }
    page = staff.get("/dashboard/jobs", {"status": "FAIL"}).content.decode()
    assert '<option value="FAIL" selected>' in page
    assert '<option value="security_group_sync">' in page


def test_the_rows_partial_asks_for_refresh_only_while_jobs_run(staff):
    job = JobFactory(status=JobStatus.RUNNING)
    rows = staff.get("/dashboard/jobs/rows").content.decode()
    assert rows.lstrip().startswith('<tbody id="jobs-rows"')
    assert 'data-active="true"' in rows
    page = staff.get("/dashboard/jobs", {"type": "test_record"}).content.decode()
    assert 'data-refresh-url="/dashboard/jobs/rows?type=test_record"' in page
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCESS)
    assert 'data-active="false"' in staff.get("/dashboard/jobs/rows").content.decode()


def test_detail_shows_error_attempts_and_refreshes_while_active(staff):
    job = JobFactory(
        status=JobStatus.FAIL,
        attempts=3,
        last_error="NeutronError: Security group 42 could not be found.\nTraceback ...",
        finished_at=timezone.now(),
    )
    html = staff.get(f"/dashboard/jobs/{job.pk}").content.decode()
    assert "Security group 42 could not be found." in html
    assert "<dt>Attempts</dt><dd>3</dd>" in html
    assert 'data-active="false"' in html
    assert f'action="/dashboard/jobs/{job.pk}/redo"' in html
    assert f'action="/dashboard/jobs/{job.pk}/delete"' in html
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    status = staff.get(f"/dashboard/jobs/{job.pk}/status").content.decode()
    assert 'data-active="true"' in status and 'data-status="RUNNING"' in status


def test_redo_sends_a_failed_job_again(staff, sent_jobs, django_capture_on_commit_callbacks):
    job = JobFactory(status=JobStatus.FAIL, attempts=8, last_error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/dashboard/jobs/{job.pk}/redo", follow=True)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.NEW, 0)
    assert [sent[0] for sent in sent_jobs] == [str(job.pk)]
    assert "sent again" in response.content.decode()


def test_redo_of_a_successful_job_shows_the_conflict(staff, sent_jobs):
    job = JobFactory(status=JobStatus.SUCCESS)
    response = staff.post(f"/dashboard/jobs/{job.pk}/redo", follow=True)
    assert "only FAIL and NEW jobs can be redone" in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCESS and sent_jobs == []


def test_delete_removes_a_finished_job_but_not_a_running_one(staff):
    done = JobFactory(status=JobStatus.SUCCESS)
    response = staff.post(f"/dashboard/jobs/{done.pk}/delete", follow=True)
    assert response.redirect_chain[-1][0] == "/dashboard/jobs"
    assert "deleted" in response.content.decode()
    assert not Job.objects.filter(pk=done.pk).exists()
    running = JobFactory(status=JobStatus.RUNNING)
    response = staff.post(f"/dashboard/jobs/{running.pk}/delete", follow=True)
    assert "is RUNNING; it can be deleted once it has finished" in response.content.decode()
    assert Job.objects.filter(pk=running.pk).exists()


def test_actions_need_post_and_an_existing_job(staff):
    job = JobFactory(status=JobStatus.FAIL)
    assert staff.get(f"/dashboard/jobs/{job.pk}/redo").status_code == 405
    missing = "01900000-0000-7000-8000-000000000000"
    response = staff.post(f"/dashboard/jobs/{missing}/delete", follow=True)
    assert "not found" in response.content.decode()
    assert staff.get(f"/dashboard/jobs/{missing}", follow=True).status_code == 200
