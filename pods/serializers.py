from typing import Any

from rest_framework import serializers

from pods import services
from pods.models import Pod
from tricircle_site.api import StrictSerializerMixin


class PodSerializer(StrictSerializerMixin, serializers.ModelSerializer[Pod]):
    pod_id = serializers.UUIDField(source="id", read_only=True)
    # `pod_name` is the name Tricircle's first API gave region_name; still accepted.
    pod_name = serializers.CharField(write_only=True, required=False, trim_whitespace=False)
    # Exactly as Keystone lists it: no trimming into another region's name.
    region_name = serializers.CharField(required=False, max_length=255, trim_whitespace=False)

    class Meta:
        model = Pod
        fields = [
            "id",
            "pod_id",
            "region_name",
            "pod_name",
            "az_name",
            "pod_az_name",
            "dc_name",
            "enabled",
            "health_status",
            "last_checked_at",
            "last_latency_ms",
            "last_error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "enabled",
            "health_status",
            "last_checked_at",
            "last_latency_ms",
            "last_error",
            "created_at",
            "updated_at",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        alias = attrs.pop("pod_name", None)
        if alias and attrs.get("region_name") and alias != attrs["region_name"]:
            raise serializers.ValidationError(
                {"pod_name": ["pod_name is an alias of region_name; give one of them."]}
            )
        attrs["region_name"] = attrs.get("region_name") or alias or ""
        if not attrs["region_name"]:
            raise serializers.ValidationError({"region_name": ["This field is required."]})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Pod:
        return services.create_pod(**validated_data)


class PodUpdateSerializer(StrictSerializerMixin, serializers.ModelSerializer[Pod]):
    """What an operator may change on an existing pod."""

    class Meta:
        model = Pod
        fields = ["az_name", "pod_az_name", "dc_name", "enabled"]
