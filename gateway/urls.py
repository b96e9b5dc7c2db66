from django.urls import re_path

from gateway.compute.api import ComputeView
from gateway.compute.routes import ROUTES as COMPUTE_ROUTES
from gateway.network import routes as network_routes
from gateway.network.api import NetworkView
from gateway.placement import routes as placement_routes
from gateway.placement.api import PlacementView
from gateway.pod_api import VersionsView
from gateway.volume.api import VolumeView
from gateway.volume.routes import ROUTES as VOLUME_ROUTES

urlpatterns = [
    re_path(r"^networking/?(?P<path>.*)$", NetworkView.as_view(routes=network_routes.ROUTES)),
    re_path(r"^compute/?$", VersionsView.as_view(api=ComputeView)),
    re_path(r"^compute/(?P<versioned>v2(?:\.1)?)/?$", VersionsView.as_view(api=ComputeView)),
    re_path(r"^compute/v2\.1/(?P<path>.+)$", ComputeView.as_view(routes=COMPUTE_ROUTES)),
    re_path(r"^placement/?$", VersionsView.as_view(api=PlacementView)),
    re_path(r"^placement/(?P<path>.+)$", PlacementView.as_view(routes=placement_routes.ROUTES)),
    # Cinder's root answers 300 Multiple Choices; /v3 lists the same with a 200.
    re_path(r"^volume/?$", VersionsView.as_view(api=VolumeView, status=300)),
    re_path(r"^volume/v3/?$", VersionsView.as_view(api=VolumeView)),
    re_path(r"^volume/v3/(?P<path>.+)$", VolumeView.as_view(routes=VOLUME_ROUTES)),
]
