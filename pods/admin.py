from django.contrib import admin

from pods.models import Pod, PodBinding
from pods.services import masked_transport_url


@admin.register(Pod)
class PodAdmin(admin.ModelAdmin[Pod]):
    list_display = ["region_name", "az_name", "pod_az_name", "dc_name", "enabled", "health_status"]
    list_filter = ["az_name", "enabled", "health_status"]
    search_fields = ["id", "region_name", "az_name", "dc_name"]
    readonly_fields = ["id", "created_at", "updated_at", "message_bus"]
    # The transport URL holds a password: the form never shows it (the admin API sets it).
    exclude = ["transport_url"]

    @admin.display(description="transport URL")
    def message_bus(self, pod: Pod) -> str:
        return masked_transport_url(pod.transport_url) or "-"


@admin.register(PodBinding)
class PodBindingAdmin(admin.ModelAdmin[PodBinding]):
    list_display = ["project_id", "az_name", "pod", "created_at"]
    list_filter = ["az_name", "pod"]
    search_fields = ["project_id"]
