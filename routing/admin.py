from django.contrib import admin

from routing.models import ResourceRouting


@admin.register(ResourceRouting)
class ResourceRoutingAdmin(admin.ModelAdmin[ResourceRouting]):
    list_display = ["id", "resource_type", "top_id", "bottom_id", "pod", "project_id"]
    list_filter = ["resource_type", "pod"]
    search_fields = ["=top_id", "=bottom_id", "=project_id"]
    list_select_related = ["pod"]
