from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from gateway import urls as gateway_urls
from gateway.audit import urls as audit_urls
from jobs.views import JobViewSet
from networking.views import RouterStatusView
from pods.views import PodViewSet
from routing.views import ResourceRoutingViewSet
from tricircle_site import versions
from tricircle_site.dashboard import urls as dashboard_urls
from tricircle_site.metrics_view import MetricsView


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
    path("v1.0/", include(audit_urls)),
    path("v1.0/", include(router.urls)),
    path("login", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("logout", auth_views.LogoutView.as_view(next_page="/login"), name="logout"),
    path("admin/", admin.site.urls),
    path("dashboard", RedirectView.as_view(url="/dashboard/", permanent=False)),
    path("dashboard/", include(dashboard_urls)),
    path("", include(gateway_urls)),
]
