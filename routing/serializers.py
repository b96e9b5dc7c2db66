from rest_framework import serializers

from pods.models import Pod
from routing.models import ResourceRouting
from tricircle_site.api import StrictSerializerMixin


class ResourceRoutingSerializer(
    StrictSerializerMixin, serializers.ModelSerializer[ResourceRouting]
):
    pod_id = serializers.PrimaryKeyRelatedField(source="pod", queryset=Pod.objects.all())

    class Meta:
        model = ResourceRouting
        fields = [
            "id",
            "top_id",
            "bottom_id",
            "pod_id",
            "project_id",
            "resource_type",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
