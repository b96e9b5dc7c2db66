from django.contrib import admin

from networking.models import AvailabilityZoneHints


@admin.register(AvailabilityZoneHints)
class AvailabilityZoneHintsAdmin(admin.ModelAdmin[AvailabilityZoneHints]):
    list_display = ["top_id", "resource_type", "project_id", "hints", "created_at"]
    list_filter = ["resource_type"]
    search_fields = ["=top_id", "=project_id"]
