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
