"""What the gateway keeps itself because it is global across pods: flavors and key pairs (copied
into a pod on first use there)."""

from django.db import models


class Flavor(models.Model):
    id = models.CharField(primary_key=True, max_length=255)
    name = models.CharField(max_length=255, unique=True)
    ram = models.PositiveIntegerField()
    vcpus = models.PositiveIntegerField()
    disk = models.PositiveIntegerField(default=0)
    ephemeral = models.PositiveIntegerField(default=0)
    swap = models.PositiveIntegerField(default=0)
    rxtx_factor = models.FloatField(default=1.0)
    is_public = models.BooleanField(default=True)
    description = models.TextField(blank=True, null=True)  # noqa: DJ001 - null is not ""
    extra_specs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class FlavorAccess(models.Model):
    """Projects allowed to use a private flavor."""

    flavor = models.ForeignKey(Flavor, on_delete=models.CASCADE, related_name="access")
    project_id = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["flavor", "project_id"], name="one_access_per_project")
        ]

    def __str__(self) -> str:
        return f"{self.flavor_id} for {self.project_id}"


class KeyPair(models.Model):
    user_id = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    public_key = models.TextField()
    fingerprint = models.CharField(max_length=128)
    type = models.CharField(max_length=16, default="ssh")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "name"], name="one_keypair_name_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.name} of {self.user_id}"


class QosSpecs(models.Model):
    """Cinder QoS specs of the top region; copied (by name, with their specs) into a pod with
    the first volume type associated with them that is made there."""

    id = models.CharField(primary_key=True, max_length=36)
    name = models.CharField(max_length=255, unique=True)
    consumer = models.CharField(max_length=16, default="back-end")  # front-end, back-end, both
    specs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VolumeType(models.Model):
    """A Cinder volume type of the top region, copied (by name, with its extra specs) into a pod
    the first time a volume of that type is made there."""

    id = models.CharField(primary_key=True, max_length=36)
    name = models.CharField(max_length=255, unique=True)
    description = models.TextField(blank=True, null=True)  # noqa: DJ001 - null is not ""
    is_public = models.BooleanField(default=True)
    extra_specs = models.JSONField(default=dict, blank=True)
    # Its encryption specs (provider, cipher, key_size, control_location, encryption_id);
    # empty: not an encrypted type.
    encryption = models.JSONField(default=dict, blank=True)
    qos_specs = models.ForeignKey(
        QosSpecs, null=True, blank=True, on_delete=models.PROTECT, related_name="volume_types"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VolumeTypeAccess(models.Model):
    """Projects allowed to use a private volume type (os-volume-type-access)."""

    volume_type = models.ForeignKey(VolumeType, on_delete=models.CASCADE, related_name="access")
    project_id = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["volume_type", "project_id"], name="one_type_access_per_project"
            )
        ]

    def __str__(self) -> str:
        return f"{self.volume_type_id} for {self.project_id}"


class GroupType(models.Model):
    """A Cinder group type of the top region (generic volume groups), copied into a pod by name,
    with its group specs, the first time a group of that type is made there."""

    id = models.CharField(primary_key=True, max_length=36)
    name = models.CharField(max_length=255, unique=True)
    description = models.TextField(blank=True, null=True)  # noqa: DJ001 - null is not ""
    is_public = models.BooleanField(default=True)
    group_specs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProjectQuota(models.Model):
    """A project's limit of one resource across all pods, set through os-quota-sets at the top
    region (gateway.services.quotas)."""

    project_id = models.CharField(max_length=64)
    service = models.CharField(max_length=16)  # compute or volume
    resource = models.CharField(max_length=64)
    hard_limit = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project_id", "service", "resource"], name="one_limit_per_resource"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.resource} of {self.project_id}: {self.hard_limit}"


class QuotaClassLimit(models.Model):
    """A quota class's limit of one resource (os-quota-class-sets; the `default` class gives
    every project its defaults), kept at the top for the resources counted across pods."""

    class_name = models.CharField(max_length=255)
    service = models.CharField(max_length=16)  # compute or volume
    resource = models.CharField(max_length=64)
    hard_limit = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["class_name", "service", "resource"], name="one_class_limit_per_resource"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.resource} of class {self.class_name}: {self.hard_limit}"


# --- drift audit (gateway.audit) ----------------------------------------------------------------
class AuditClass(models.TextChoices):
    """How a pod disagrees with the top and the routing table (gateway.audit)."""

    ORPHAN = "orphan"  # a bottom copy Tricircle made whose top resource is gone
    DANGLING_ROUTE = "dangling_route"  # a routing entry whose pod resource is gone
    MISSING_COPY = "missing_copy"  # a copy routing says the pod has: absent or different
    UNKNOWN = "unknown"  # in the pod, not Tricircle's: listed, never touched


class AuditRunStatus(models.TextChoices):
    RUNNING = "running"
    DONE = "done"
    # The pod (or the central Neutron) did not answer: nothing was concluded, the previous
    # findings stand.
    SKIPPED = "skipped"


class AuditRun(models.Model):
    """One audit of one pod."""

    id = models.BigAutoField(primary_key=True)
    pod = models.ForeignKey("pods.Pod", on_delete=models.CASCADE, related_name="audit_runs")
    status = models.CharField(
        max_length=16, choices=AuditRunStatus.choices, default=AuditRunStatus.RUNNING
    )
    # Why it was skipped, or the types a pod refused to list (not audited this time).
    note = models.TextField(blank=True, default="")
    # {class: {resource type: findings}}
    counts = models.JSONField(default=dict, blank=True)
    api_calls = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"audit {self.pk} of {self.pod_id}: {self.status}"


class AuditFindingStatus(models.TextChoices):
    OPEN = "open"
    REPAIR_REQUESTED = "repair_requested"  # a job was asked for (job_id)
    REPAIRED = "repaired"  # done at once (a routing entry removed or recorded)
    REPAIR_FAILED = "repair_failed"


class AuditFinding(models.Model):
    """One difference an audit found; the pod's latest finished run's findings are current."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(AuditRun, on_delete=models.CASCADE, related_name="findings")
    pod = models.ForeignKey("pods.Pod", on_delete=models.CASCADE, related_name="audit_findings")
    audit_class = models.CharField(max_length=16, choices=AuditClass.choices, db_index=True)
    resource_type = models.CharField(max_length=32, db_index=True)
    top_id = models.CharField(max_length=255, blank=True, default="")
    bottom_id = models.CharField(max_length=255, blank=True, default="")
    project_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    name = models.CharField(max_length=255, blank=True, default="")
    detail = models.TextField(blank=True, default="")
    # What repair does (gateway.audit.repair), e.g. "bottom_cleanup", "remove_route".
    repair_action = models.CharField(max_length=64, blank=True, default="")
    # What the action needs besides the finding's ids, e.g. {"router_id": ...} for a floating IP.
    repair_args = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=AuditFindingStatus.choices, default=AuditFindingStatus.OPEN
    )
    repair_note = models.TextField(blank=True, default="")
    job_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.audit_class} {self.resource_type} {self.top_id or self.bottom_id}"
