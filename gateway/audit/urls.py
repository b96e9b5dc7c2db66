"""/v1.0/audit..., included by tricircle_site.urls."""

from django.urls import path, re_path

from gateway.audit import views

urlpatterns = [
    re_path(r"^audit/?$", views.AuditView.as_view(), name="audit"),
    re_path(r"^audit/findings/?$", views.AuditFindingListView.as_view(), name="audit-findings"),
    path(
        "audit/findings/<int:finding_id>/repair",
        views.AuditFindingRepairView.as_view(),
        name="audit-finding-repair",
    ),
]
