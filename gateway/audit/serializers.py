from rest_framework import serializers

from gateway.models import AuditFinding


class AuditFindingSerializer(serializers.ModelSerializer[AuditFinding]):
    pod_id = serializers.UUIDField(source="pod.id", read_only=True)
    region_name = serializers.CharField(source="pod.region_name", read_only=True)
    run_id = serializers.IntegerField(source="run.id", read_only=True)
    # "class" is the API's name (a Python keyword, so the model says audit_class).
    class_ = serializers.CharField(source="audit_class", read_only=True)

    class Meta:
        model = AuditFinding
        fields = [
            "id",
            "run_id",
            "pod_id",
            "region_name",
            "class_",
            "resource_type",
            "top_id",
            "bottom_id",
            "project_id",
            "name",
            "detail",
            "repair_action",
            "status",
            "repair_note",
            "job_id",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, instance: AuditFinding) -> dict[str, object]:
        data = dict(super().to_representation(instance))
        data["class"] = data.pop("class_")
        return data


class AuditRunRequestSerializer(serializers.Serializer[object]):
    pod = serializers.CharField(required=False, help_text="a pod's region name or id; all if none")
