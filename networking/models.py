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
