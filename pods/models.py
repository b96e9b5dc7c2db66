"""Pods (one OpenStack region each) and which pod a project uses in an availability zone."""

import uuid

from django.db import models


class HealthStatus(models.TextChoices):
    UNKNOWN = "unknown"
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"


class Pod(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    region_name = models.CharField(max_length=255, unique=True)
    # Empty for the top region itself, which belongs to no availability zone.
    az_name = models.CharField(max_length=255, blank=True, default="", db_index=True)
    # The AZ name to use inside the pod (its own Nova/Cinder zone), substituted on create.
    pod_az_name = models.CharField(max_length=255, blank=True, default="")
    dc_name = models.CharField(max_length=255, blank=True, default="")
    enabled = models.BooleanField(default=True)
    # How to reach the message bus of the pod's Neutron (an oslo.messaging transport URL, e.g.
    # rabbit://user:password@host:5672/vhost). Empty: Tricircle cannot tell the pod's Neutron
    # the other pods' VXLAN tunnel endpoints (networking.tunnels), which no API of Neutron takes.
    # A secret: the admin API and the dashboards never show its password.
    transport_url = models.CharField(max_length=1024, blank=True, default="")
    health_status = models.CharField(
        max_length=16, choices=HealthStatus.choices, default=HealthStatus.UNKNOWN
    )
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_latency_ms = models.FloatField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region_name"]

    def __str__(self) -> str:
        return f"{self.region_name} ({self.az_name or 'top'})"

    @property
    def is_top(self) -> bool:
        return not self.az_name


class PodBinding(models.Model):
    """The pod a project's new resources go to in an AZ, once chosen."""

    project_id = models.CharField(max_length=64)
    az_name = models.CharField(max_length=255)
    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="bindings")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project_id", "az_name"], name="one_pod_per_project_az")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} in {self.az_name} -> {self.pod.region_name}"
