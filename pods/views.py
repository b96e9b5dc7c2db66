from django.db.models import QuerySet
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from pods import services
from pods.filters import PodFilter
from pods.models import Pod
from pods.serializers import PodSerializer, PodUpdateSerializer
from tricircle_site.api import WrappedResourceMixin


class PodViewSet(
    WrappedResourceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Pod],
):
    """Pods: the OpenStack regions behind Tricircle (admin only)."""

    resource_name = "pod"
    collection_name = "pods"
    queryset = Pod.objects.all()
    filterset_class = PodFilter
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_serializer_class(self) -> type:
        if self.action in {"update", "partial_update"}:
            return PodUpdateSerializer
        return PodSerializer

    def get_queryset(self) -> QuerySet[Pod]:
        return Pod.objects.order_by("region_name")

    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        super().update(request, *args, **kwargs)
        return Response(PodSerializer(self.get_object()).data)

    def destroy(self, request: Request, *args: object, **kwargs: object) -> Response:
        services.delete_pod(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
