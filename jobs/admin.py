from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from jobs import services
from jobs.models import Job
from tricircle_site.exceptions import TricircleError


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = [
        "id",
        "type",
        "project_id",
        "resource_key",
        "status",
        "attempts",
        "request_count",
        "next_run_at",
        "worker",
        "updated_at",
    ]
    list_filter = ["status", "type"]
    search_fields = ["=id", "=project_id", "resource_key"]
    readonly_fields = [field.name for field in Job._meta.fields]
    ordering = ["-id"]
    actions = ["redo"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Jobs are requested through jobs.services (the API), which validates and dispatches.
        return False

    @admin.action(description="Redo the selected FAIL or NEW jobs")
    def redo(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        redone, refused = 0, []
        for job in queryset:
            try:
                services.redo(job)
                redone += 1
            except TricircleError as exc:
                refused.append(exc.message)
        if redone:
            self.message_user(request, f"{redone} job(s) sent to run again.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)
