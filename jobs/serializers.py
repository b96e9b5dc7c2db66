from rest_framework import serializers

from jobs.models import Job
from tricircle_site.api import StrictSerializerMixin
from tricircle_site.jsontypes import JsonDict

SUMMARY_FIELDS = ["id", "type", "project_id", "resource", "status", "created_at", "updated_at"]


class JobSerializer(serializers.ModelSerializer[Job]):
    """What the list shows."""

    class Meta:
        model = Job
        fields = SUMMARY_FIELDS
        read_only_fields = SUMMARY_FIELDS


class JobDetailSerializer(serializers.ModelSerializer[Job]):
    """Every field: show, the detail list, and the answers to create and redo."""

    task_status = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            *SUMMARY_FIELDS,
            "resource_key",
            "attempts",
            "next_run_at",
            "last_error",
            "worker",
            "lease_expires_at",
            "request_count",
            "task_id",
            "task_status",
            "dispatched_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_task_status(self, job: Job) -> str | None:
        """The Celery state of the last task sent (django-celery-results), once it ran."""
        result = job.task_result
        return result.status if result is not None else None


class JobCreateSerializer(StrictSerializerMixin, serializers.Serializer[None]):
    """The shape of a create body; jobs.services checks the type and the resource fields."""

    type = serializers.CharField(max_length=64)
    project_id = serializers.CharField(max_length=64)
    resource = serializers.DictField()


class JobSchemaSerializer(serializers.Serializer[JsonDict]):
    type = serializers.CharField()
    resource = serializers.ListField(child=serializers.CharField())
