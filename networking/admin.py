from django.contrib import admin

from networking.models import AvailabilityZoneHints, TunnelEndpoint


@admin.register(AvailabilityZoneHints)
class AvailabilityZoneHintsAdmin(admin.ModelAdmin[AvailabilityZoneHints]):
    list_display = ["top_id", "resource_type", "project_id", "hints", "created_at"]
    list_filter = ["resource_type"]
    search_fields = ["=top_id", "=project_id"]


@admin.register(TunnelEndpoint)
class TunnelEndpointAdmin(admin.ModelAdmin[TunnelEndpoint]):
    list_display = ["region_name", "host", "ip_address", "tunnel_type", "gone", "updated_at"]
    list_filter = ["region_name", "tunnel_type", "gone"]
    search_fields = ["=ip_address", "host"]
