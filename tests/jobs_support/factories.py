import factory
from django.utils import timezone

from jobs import registry
from jobs.models import Job, JobStatus


class JobFactory(factory.django.DjangoModelFactory):
    """A job row written directly (no dispatch), as if its message were lost."""

    class Meta:
        model = Job

    type = "test_record"
    project_id = "demo-project"
    resource = factory.Sequence(lambda n: {"item_id": f"item-{n}"})
    resource_key = factory.LazyAttribute(lambda job: registry.resource_key(job.type, job.resource))
    status = JobStatus.NEW
    dispatched_at = factory.LazyFunction(timezone.now)
