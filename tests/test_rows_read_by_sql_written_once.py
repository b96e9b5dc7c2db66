"""The pod list and a resource's pod, read by SQL written once (tricircle_site.rows), give what
the ORM gives: the same instances, every field converted as the ORM converts it (UUIDs, aware
datetimes, booleans, JSON), in the same order, on SQLite and on PostgreSQL."""

import pytest
from django.utils import timezone

from gateway.services.pod_choice import routed_pod
from pods.models import HealthStatus, Pod
from pods.services import bottom_pods
from tests.factories import PodFactory, RoutingFactory
from tricircle_site.exceptions import NotFound

pytestmark = pytest.mark.django_db


def fields(pod: Pod) -> dict:
    return {field.attname: getattr(pod, field.attname) for field in Pod._meta.concrete_fields}


@pytest.fixture
def pods() -> list[Pod]:
    made = [
        PodFactory(region_name="RegionB", az_name="az2", last_checked_at=timezone.now()),
        PodFactory(region_name="RegionA", az_name="az1", health_status=HealthStatus.DOWN),
        PodFactory(region_name="RegionC", az_name="az1", enabled=False),
        PodFactory(region_name="Top", az_name=""),
    ]
    return made


def test_the_pod_list_is_the_orms_field_for_field(pods):
    enabled = list(Pod.objects.exclude(az_name="").filter(enabled=True))
    every = list(Pod.objects.exclude(az_name=""))
    assert [fields(pod) for pod in bottom_pods()] == [fields(pod) for pod in enabled]
    assert [fields(pod) for pod in bottom_pods(enabled_only=False)] == [
        fields(pod) for pod in every
    ]
    assert [pod.region_name for pod in bottom_pods()] == ["RegionA", "RegionB"]
    first = bottom_pods()[0]
    assert first.pk == pods[1].pk and first.health_status == HealthStatus.DOWN
    assert bottom_pods()[1].last_checked_at == Pod.objects.get(pk=pods[0].pk).last_checked_at
    assert bottom_pods()[1].last_checked_at.tzinfo is not None


def test_a_resources_pod_is_the_pod_of_its_first_routing_entry(pods):
    RoutingFactory(top_id="net-1", pod=pods[0], resource_type="network")
    RoutingFactory(top_id="net-1", pod=pods[1], resource_type="network")
    RoutingFactory(top_id="net-1", pod=pods[2], resource_type="port")
    found = routed_pod("net-1", "network", "Network")
    assert fields(found) == fields(Pod.objects.get(pk=pods[0].pk))
    assert routed_pod("net-1", "port", "Port").pk == pods[2].pk
    with pytest.raises(NotFound, match="Network net-2 could not be found"):
        routed_pod("net-2", "network", "Network")
