from typing import Any

from rest_framework import serializers

from pods import services
from pods.models import Pod
from tricircle_site.api import StrictSerializerMixin
from tricircle_site.exceptions import BadRequest


class TransportUrlField(serializers.CharField):
    """A pod's message bus: written in full, always shown with its passwords masked (a secret
    the admin API never gives back)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, allow_blank=True, max_length=1024, **kwargs)

    def to_representation(self, value: Any) -> str:
        return services.masked_transport_url(str(value))

    def to_internal_value(self, data: Any) -> str:
        try:
            return services.clean_transport_url(super().to_internal_value(data))
        except BadRequest as exc:
            raise serializers.ValidationError(exc.message) from exc


class PodSerializer(StrictSerializerMixin, serializers.ModelSerializer[Pod]):
    pod_id = serializers.UUIDField(source="id", read_only=True)
    # `pod_name` is the name Tricircle's first API gave region_name; still accepted.
    pod_name = serializers.CharField(write_only=True, required=False, trim_whitespace=False)
    # Exactly as Keystone lists it: no trimming into another region's name.
    region_name = serializers.CharField(required=False, max_length=255, trim_whitespace=False)
    transport_url = TransportUrlField()

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
            "transport_url",
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

    transport_url = TransportUrlField()

    class Meta:
        model = Pod
        fields = ["az_name", "pod_az_name", "dc_name", "enabled", "transport_url"]

    def update(self, instance: Pod, validated_data: dict[str, Any]) -> Pod:
        return services.update_pod(instance, **validated_data)
