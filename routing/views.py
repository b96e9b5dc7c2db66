from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.permissions import BasePermission

from routing.filters import ResourceRoutingFilter
from routing.models import ResourceRouting
from routing.serializers import ResourceRoutingSerializer
from routing.services import routings_visible_to
from tricircle_site.api import MarkerPagination, WrappedResourceMixin
from tricircle_site.auth import (
    IsAuthenticatedProject,
    IsCloudAdmin,
    caller_is_admin,
    caller_project_id,
)


class ResourceRoutingViewSet(WrappedResourceMixin, viewsets.ModelViewSet[ResourceRouting]):
    """Routing entries: a project reads its own; only admins change them."""

    resource_name = "routing"
    collection_name = "routings"
    serializer_class = ResourceRoutingSerializer
    filterset_class = ResourceRoutingFilter
    pagination_class = MarkerPagination

    def get_permissions(self) -> list[BasePermission]:
        if self.action in {"list", "retrieve"}:
            return [IsAuthenticatedProject()]
        return [IsCloudAdmin()]

    def get_queryset(self) -> QuerySet[ResourceRouting]:
        return routings_visible_to(
            caller_project_id(self.request), caller_is_admin(self.request)
        ).order_by("-id")
