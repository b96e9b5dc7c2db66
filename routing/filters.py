import django_filters

from routing.models import ResourceRouting


class ResourceRoutingFilter(django_filters.FilterSet):
    pod_id = django_filters.UUIDFilter(field_name="pod_id")

    class Meta:
        model = ResourceRouting
        fields = ["id", "top_id", "bottom_id", "pod_id", "project_id", "resource_type"]
