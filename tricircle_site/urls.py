from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from jobs.views import JobViewSet
from networking.views import RouterStatusView
from pods.views import PodViewSet
from routing.views import ResourceRoutingViewSet
from tricircle_site import dashboard, versions
from tricircle_site.metrics import MetricsView


class AdminRouter(DefaultRouter):
    # Clients of the original API call /v1.0/pods and /v1.0/pods/ alike.
    include_root_view = False

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


router = AdminRouter()
router.register("pods", PodViewSet, basename="pod")
router.register("routings", ResourceRoutingViewSet, basename="routing")
router.register("jobs", JobViewSet, basename="job")

dashboard_urls = [
    path("", dashboard.overview, name="dashboard-overview"),
    path("pods/check", dashboard.check_pods, name="dashboard-check-pods"),
    path("pods/new", dashboard.onboard_pod, name="dashboard-onboard"),
    path("pods/<uuid:pod_id>/enable", dashboard.enable_pod, name="dashboard-pod-enable"),
    path("pods/<uuid:pod_id>/disable", dashboard.disable_pod, name="dashboard-pod-disable"),
    path("topology", dashboard.topology_page, name="dashboard-topology"),
    path("jobs", dashboard.jobs_page, name="dashboard-jobs"),
    path("jobs/rows", dashboard.jobs_rows, name="dashboard-jobs-rows"),
    path("jobs/<uuid:job_id>", dashboard.job_detail, name="dashboard-job"),
    path("jobs/<uuid:job_id>/status", dashboard.job_status, name="dashboard-job-status"),
    path("jobs/<uuid:job_id>/redo", dashboard.job_redo, name="dashboard-job-redo"),
    path("jobs/<uuid:job_id>/delete", dashboard.job_delete, name="dashboard-job-delete"),
]

handler400 = "tricircle_site.api.json_400"
handler404 = "tricircle_site.api.json_404"
handler500 = "tricircle_site.api.json_500"

urlpatterns = [
    path("", versions.root, name="versions"),
    path("metrics", MetricsView.as_view(), name="metrics"),
    path("v1.0", versions.v1),
    path("v1.0/", versions.v1, name="version-v1"),
    path("v1.0/schema", SpectacularAPIView.as_view(), name="schema"),
    path("v1.0/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("v1.0/redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("v1.0/routers/<str:router_id>", RouterStatusView.as_view(), name="router-status"),
    path("v1.0/", include(router.urls)),
    path("login", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("logout", auth_views.LogoutView.as_view(next_page="/login"), name="logout"),
    path("admin/", admin.site.urls),
    path("dashboard", RedirectView.as_view(url="/dashboard/", permanent=False)),
    path("dashboard/", include(dashboard_urls)),
    path("", include("gateway.urls")),
]
