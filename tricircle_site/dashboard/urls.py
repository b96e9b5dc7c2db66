"""The dashboard's pages, under /dashboard/ (included by tricircle_site.urls)."""

from django.urls import path

from tricircle_site.dashboard import audit, pages

urlpatterns = [
    path("", pages.overview, name="dashboard-overview"),
    path("pods/check", pages.check_pods, name="dashboard-check-pods"),
    path("pods/new", pages.onboard_pod, name="dashboard-onboard"),
    path("pods/<uuid:pod_id>/enable", pages.enable_pod, name="dashboard-pod-enable"),
    path("pods/<uuid:pod_id>/disable", pages.disable_pod, name="dashboard-pod-disable"),
    path("topology", pages.topology_page, name="dashboard-topology"),
    path("jobs", pages.jobs_page, name="dashboard-jobs"),
    path("jobs/rows", pages.jobs_rows, name="dashboard-jobs-rows"),
    path("jobs/<uuid:job_id>", pages.job_detail, name="dashboard-job"),
    path("jobs/<uuid:job_id>/status", pages.job_status, name="dashboard-job-status"),
    path("jobs/<uuid:job_id>/redo", pages.job_redo, name="dashboard-job-redo"),
    path("jobs/<uuid:job_id>/delete", pages.job_delete, name="dashboard-job-delete"),
    path("audit", audit.audit_page, name="dashboard-audit"),
    path("audit/run", audit.audit_now, name="dashboard-audit-run"),
    path(
        "audit/findings/<int:finding_id>/repair",
        audit.repair_finding,
        name="dashboard-audit-repair",
    ),
]
