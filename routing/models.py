"""The routing table: which pod holds a resource, and under which id there."""

from django.db import models

from pods.models import Pod


class ResourceType(models.TextChoices):
    SERVER = "server"
    VOLUME = "volume"
    SNAPSHOT = "snapshot"
    BACKUP = "backup"
    NETWORK = "network"
    SUBNET = "subnet"
    PORT = "port"
    ROUTER = "router"
    SECURITY_GROUP = "security_group"
    FLAVOR = "flavor"
    VOLUME_TYPE = "volume_type"
    KEYPAIR = "keypair"
    GROUP = "group"
    GROUP_SNAPSHOT = "group_snapshot"
    GROUP_TYPE = "group_type"
    QOS_SPECS = "qos_specs"


class ResourceRouting(models.Model):
    id = models.BigAutoField(primary_key=True)
    top_id = models.CharField(max_length=127, db_index=True)
    # Blank while a bottom copy is being created (the row is the claim that prevents a second).
    bottom_id = models.CharField(max_length=127, blank=True, default="", db_index=True)
    pod = models.ForeignKey(Pod, on_delete=models.PROTECT, related_name="routings")
    project_id = models.CharField(max_length=64, db_index=True)
    resource_type = models.CharField(max_length=32, choices=ResourceType.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["top_id", "pod", "resource_type"], name="one_bottom_per_pod"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_type} {self.top_id} -> {self.pod_id}:{self.bottom_id}"
