import pytest
from django.contrib.auth import get_user_model

from jobs.models import JobStatus
from tests.jobs_support.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    user = get_user_model().objects.create(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_the_redo_action_redoes_failed_jobs_and_reports_the_others(root, sent_jobs):
    failed = JobFactory(status=JobStatus.FAIL, attempts=3)
    done = JobFactory(status=JobStatus.SUCCESS)
    response = root.post(
        "/admin/jobs/job/",
        {"action": "redo", "_selected_action": [str(failed.pk), str(done.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    failed.refresh_from_db()
    done.refresh_from_db()
    assert failed.status == JobStatus.NEW
    assert failed.attempts == 0
    assert done.status == JobStatus.SUCCESS
    text = response.content.decode()
    assert "1 job(s) sent to run again." in text
    assert "only FAIL and NEW jobs can be redone" in text


def test_the_changelist_filters_and_searches(root):
    job = JobFactory(status=JobStatus.FAIL, resource={"item_id": "findme"})
    JobFactory(status=JobStatus.SUCCESS)
    response = root.get("/admin/jobs/job/", {"status__exact": "FAIL"})
    assert str(job.pk) in response.content.decode()
    assert response.content.decode().count("/change/") == 1
    response = root.get("/admin/jobs/job/", {"q": "findme"})
    assert str(job.pk) in response.content.decode()
    assert root.get("/admin/jobs/job/", {"q": str(job.pk)}).status_code == 200
    assert root.get(f"/admin/jobs/job/{job.pk}/change/").status_code == 200
