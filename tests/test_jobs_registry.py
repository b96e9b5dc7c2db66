"""Job types declare their resource fields; the resource key is canonical."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from jobs import registry
from jobs.registry import job_type
from routing.services import routed_resources_belong
from tests.conftest import ALT_PROJECT, DEMO_PROJECT
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db


def test_the_resource_key_does_not_depend_on_field_order():
    assert registry.resource_key("t", {"b": "2", "a": "1"}) == 't:{"a":"1","b":"2"}'
    assert registry.resource_key("t", {"a": "1", "b": "2"}) == registry.resource_key(
        "t", {"b": "2", "a": "1"}
    )


def test_a_name_cannot_be_taken_by_another_handler():
    def other(job) -> None:
        pass

    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        job_type("test_noop", resource_fields=("item_id",), belongs_to=routed_resources_belong)(
            other
        )


def test_a_type_needs_distinct_fields():
    with pytest.raises(ImproperlyConfigured):
        job_type("x", resource_fields=("a", "a"), belongs_to=routed_resources_belong)
    with pytest.raises(ImproperlyConfigured):
        job_type("x", resource_fields=(), belongs_to=routed_resources_belong)


def test_the_default_ownership_check_reads_the_routing_table():
    RoutingFactory(top_id="net-1", resource_type="network", project_id=DEMO_PROJECT)
    belongs = routed_resources_belong
    assert belongs(DEMO_PROJECT, {"network_id": "net-1", "pod_id": "p"})
    assert not belongs(ALT_PROJECT, {"network_id": "net-1", "pod_id": "p"})
    # Not in the routing table (yet): nothing says it is another project's.
    assert belongs(ALT_PROJECT, {"network_id": "net-2", "pod_id": "p"})
    # Not a routed resource type: not checked.
    assert belongs(ALT_PROJECT, {"item_id": "net-1"})
