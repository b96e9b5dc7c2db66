import django_filters

from jobs.models import Job


class JobFilter(django_filters.FilterSet):
    class Meta:
        model = Job
        fields = ["project_id", "type", "status"]
