from django.contrib import admin

from gateway.models import Flavor, FlavorAccess, KeyPair, VolumeType


class FlavorAccessInline(admin.TabularInline):
    model = FlavorAccess
    extra = 0


@admin.register(Flavor)
class FlavorAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "vcpus", "ram", "disk", "is_public"]
    list_filter = ["is_public"]
    search_fields = ["=id", "name"]
    inlines = [FlavorAccessInline]


@admin.register(FlavorAccess)
class FlavorAccessAdmin(admin.ModelAdmin):
    list_display = ["flavor", "project_id"]
    search_fields = ["=project_id", "=flavor__id"]


@admin.register(KeyPair)
class KeyPairAdmin(admin.ModelAdmin):
    list_display = ["name", "user_id", "type", "fingerprint", "created_at"]
    list_filter = ["type"]
    search_fields = ["name", "=user_id"]


@admin.register(VolumeType)
class VolumeTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "is_public", "created_at"]
    list_filter = ["is_public"]
    search_fields = ["=id", "name"]
