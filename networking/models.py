"""What Tricircle keeps about top networks and routers beyond what the central Neutron keeps."""

from django.db import models


class AvailabilityZoneHints(models.Model):
    """availability_zone_hints of a top network or router. They name Tricircle AZs or pod
    regions, which the central Neutron (it has no agents) cannot validate, so the gateway strips
    them from the create call, keeps them here and shows them in every answer."""

    top_id = models.CharField(max_length=64, unique=True)
    resource_type = models.CharField(max_length=32)
    project_id = models.CharField(max_length=64, db_index=True)
    hints = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "availability zone hints"

    def __str__(self) -> str:
        return f"{self.resource_type} {self.top_id}: {', '.join(self.hints)}"


class TunnelEndpoint(models.Model):
    """A tunnel endpoint (VTEP) of a pod's agent that Tricircle tells the other pods' Neutron
    (networking.tunnels). Kept to know what to withdraw when an agent or a pod goes: the pods
    have no API listing the endpoints they were told. Named by region, not a pod key: the
    endpoints of a deleted pod must outlive it until every other pod has forgotten them."""

    region_name = models.CharField(max_length=255)
    host = models.CharField(max_length=255)
    ip_address = models.CharField(max_length=64)
    tunnel_type = models.CharField(max_length=16)
    # The agent or its pod went: withdrawn from the other pods, then this row goes.
    gone = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region_name", "ip_address", "tunnel_type"], name="one_endpoint_per_pod"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tunnel_type} {self.ip_address} ({self.host} in {self.region_name})"
