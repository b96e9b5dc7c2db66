import django_filters

from pods.models import Pod


class PodFilter(django_filters.FilterSet):
    class Meta:
        model = Pod
        fields = ["region_name", "az_name", "pod_az_name", "dc_name", "enabled", "health_status"]
