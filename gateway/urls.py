from django.urls import re_path

from gateway.compute.api import ComputeVersionsView, ComputeView
from gateway.compute.routes import ROUTES as COMPUTE_ROUTES
from gateway.network import routes as network_routes
from gateway.network.api import NetworkView
from gateway.placement import routes as placement_routes
from gateway.placement.api import PlacementVersionsView, PlacementView
from gateway.volume.api import VolumeVersionsView, VolumeView
from gateway.volume.routes import ROUTES as VOLUME_ROUTES

urlpatterns = [
    re_path(r"^networking/?(?P<path>.*)$", NetworkView.as_view(routes=network_routes.ROUTES)),
    re_path(r"^compute/?$", ComputeVersionsView.as_view()),
    re_path(r"^compute/(?P<versioned>v2(?:\.1)?)/?$", ComputeVersionsView.as_view()),
    re_path(r"^compute/v2\.1/(?P<path>.+)$", ComputeView.as_view(routes=COMPUTE_ROUTES)),
    re_path(r"^placement/?$", PlacementVersionsView.as_view()),
    re_path(r"^placement/(?P<path>.+)$", PlacementView.as_view(routes=placement_routes.ROUTES)),
    re_path(r"^volume/?$", VolumeVersionsView.as_view(status=300)),
    re_path(r"^volume/v3/?$", VolumeVersionsView.as_view()),
    re_path(r"^volume/v3/(?P<path>.+)$", VolumeView.as_view(routes=VOLUME_ROUTES)),
]
