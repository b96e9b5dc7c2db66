"""A lookup by top_id or bottom_id must use an index: its cost must not grow with the table."""

import pytest
from django.db import connection

from routing.models import ResourceRouting
from tests.factories import PodFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_routings() -> None:
    pod = PodFactory()
    ResourceRouting.objects.bulk_create(
        ResourceRouting(
            top_id=f"top-{n}",
            bottom_id=f"bottom-{n}",
            pod=pod,
            project_id=f"p{n % 50}",
            resource_type="port",
        )
        for n in range(5000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@pytest.mark.parametrize("field", ["top_id", "bottom_id"])
def test_lookup_by_id_uses_an_index(many_routings, field):
    plan = ResourceRouting.objects.filter(**{field: "top-4000"}).explain()
    if connection.vendor == "sqlite":
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
    else:
        assert "Index" in plan and "Seq Scan" not in plan, plan
