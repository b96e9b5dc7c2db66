import django_filters
from django.db.models import Q, QuerySet

from gateway.models import AuditClass, AuditFinding


class AuditFindingFilter(django_filters.FilterSet):
    pod = django_filters.CharFilter(method="filter_pod", help_text="region name or pod id")
    audit_class = django_filters.ChoiceFilter(field_name="audit_class", choices=AuditClass.choices)
    type = django_filters.CharFilter(field_name="resource_type")
    project = django_filters.CharFilter(field_name="project_id")
    status = django_filters.CharFilter(field_name="status")

    class Meta:
        model = AuditFinding
        fields: list[str] = []

    def filter_pod(
        self, queryset: QuerySet[AuditFinding], name: str, value: str
    ) -> QuerySet[AuditFinding]:
        by_name = Q(pod__region_name=value)
        try:
            return queryset.filter(by_name | Q(pod_id=value))
        except Exception:  # not a UUID (the id field refuses it): the region name alone
            return queryset.filter(by_name)


# The query parameter is `class` (a Python keyword, so it cannot be an attribute name above).
AuditFindingFilter.base_filters["class"] = AuditFindingFilter.base_filters.pop("audit_class")
