from django.contrib import admin

from gateway.models import (
    AuditFinding,
    AuditRun,
    Flavor,
    FlavorAccess,
    GroupType,
    KeyPair,
    ProjectQuota,
    QosSpecs,
    QuotaClassLimit,
    VolumeType,
    VolumeTypeAccess,
)


class FlavorAccessInline(admin.TabularInline[FlavorAccess, Flavor]):
    model = FlavorAccess
    extra = 0


@admin.register(Flavor)
class FlavorAdmin(admin.ModelAdmin[Flavor]):
    list_display = ["id", "name", "vcpus", "ram", "disk", "is_public"]
    list_filter = ["is_public"]
    search_fields = ["=id", "name"]
    inlines = [FlavorAccessInline]


@admin.register(FlavorAccess)
class FlavorAccessAdmin(admin.ModelAdmin[FlavorAccess]):
    list_display = ["flavor", "project_id"]
    search_fields = ["=project_id", "=flavor__id"]


@admin.register(KeyPair)
class KeyPairAdmin(admin.ModelAdmin[KeyPair]):
    list_display = ["name", "user_id", "type", "fingerprint", "created_at"]
    list_filter = ["type"]
    search_fields = ["name", "=user_id"]


class VolumeTypeAccessInline(admin.TabularInline[VolumeTypeAccess, VolumeType]):
    model = VolumeTypeAccess
    extra = 0


@admin.register(VolumeType)
class VolumeTypeAdmin(admin.ModelAdmin[VolumeType]):
    list_display = ["name", "id", "is_public", "created_at"]
    list_filter = ["is_public"]
    search_fields = ["=id", "name"]
    inlines = [VolumeTypeAccessInline]


@admin.register(VolumeTypeAccess)
class VolumeTypeAccessAdmin(admin.ModelAdmin[VolumeTypeAccess]):
    list_display = ["volume_type", "project_id"]
    search_fields = ["=project_id", "=volume_type__id"]


@admin.register(QosSpecs)
class QosSpecsAdmin(admin.ModelAdmin[QosSpecs]):
    """Cinder QoS specs of the top region; change them through /qos-specs, so the pods' copies
    follow."""

    list_display = ["name", "id", "consumer", "created_at"]
    list_filter = ["consumer"]
    search_fields = ["=id", "name"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(GroupType)
class GroupTypeAdmin(admin.ModelAdmin[GroupType]):
    """Cinder group types of the top region; changed through /group_types, so that the pods'
    copies follow."""

    list_display = ["name", "id", "is_public", "created_at"]
    list_filter = ["is_public"]
    search_fields = ["=id", "name"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False  # a type some pod's group uses must stay (DELETE /group_types/{id})


@admin.register(ProjectQuota)
class ProjectQuotaAdmin(admin.ModelAdmin[ProjectQuota]):
    """Limits set through os-quota-sets at the top region; change them there, so every pod
    gets them too."""

    list_display = ["project_id", "service", "resource", "hard_limit"]
    list_filter = ["service", "resource"]
    search_fields = ["=project_id"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(QuotaClassLimit)
class QuotaClassLimitAdmin(admin.ModelAdmin[QuotaClassLimit]):
    """Quota class limits set through os-quota-class-sets at the top region; change them there,
    so every pod gets them too."""

    list_display = ["class_name", "service", "resource", "hard_limit"]
    list_filter = ["class_name", "service"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(AuditRun)
class AuditRunAdmin(admin.ModelAdmin[AuditRun]):
    """Drift audits of the pods (gateway.audit); run them from the admin API, the dashboard or
    `manage.py audit`."""

    list_display = ["id", "pod", "status", "api_calls", "started_at", "finished_at"]
    list_filter = ["status", "pod"]
    search_fields = ["note"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(AuditFinding)
class AuditFindingAdmin(admin.ModelAdmin[AuditFinding]):
    """What the last audit of each pod found; repair through the admin API or the dashboard."""

    list_display = ["id", "pod", "audit_class", "resource_type", "top_id", "bottom_id", "status"]
    list_filter = ["audit_class", "resource_type", "status", "pod"]
    search_fields = ["=top_id", "=bottom_id", "=project_id", "name"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
