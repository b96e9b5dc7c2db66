"""The service account's calls to a pod find the service's endpoint in the catalog once per token
(keystoneauth would normalize the whole catalog again on every call), a new token's catalog is
read anew, and a region whose catalog has no endpoint for the service fails the call as a pod
that does not answer, also where keystoneauth itself raises ValueError."""

import pytest
from keystoneauth1 import adapter as ks_adapter

from pods.clients import ServiceUnanswered, cinder, clients, nova
from pods.models import Pod

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog_lookups(monkeypatch) -> list[str]:
    """The region of every lookup keystoneauth makes in the catalog."""
    looked_up: list[str] = []
    look_up = ks_adapter.Adapter.get_endpoint

    def counted(adapter, auth=None, **kwargs):
        looked_up.append(adapter.region_name)
        return look_up(adapter, auth, **kwargs)

    monkeypatch.setattr(ks_adapter.Adapter, "get_endpoint", counted)
    clients.cache_clear()
    yield looked_up
    clients.cache_clear()


def test_calls_look_the_endpoint_up_once_per_token(keystone, catalog_lookups):
    base_url = keystone.add_region("Pod1")
    keystone.mocker.get(f"{base_url}/compute/v2.1/servers/abc", json={"server": {"id": "abc"}})
    pod = Pod.objects.create(region_name="Pod1", az_name="az1")
    for _ in range(3):
        assert nova(pod, "2.1").get("/servers/abc") == {"server": {"id": "abc"}}
    assert catalog_lookups == ["Pod1"]
    tokens_issued = keystone.mocker.call_count

    clients().session("Pod1").invalidate()  # the token expired: a new one, a new catalog
    nova(pod, "2.1").get("/servers/abc")
    assert catalog_lookups == ["Pod1", "Pod1"]
    assert keystone.mocker.call_count > tokens_issued + 1  # a token was issued again


def test_the_call_goes_to_the_endpoint_of_the_pods_region(keystone, catalog_lookups):
    pod1, pod2 = keystone.add_region("Pod1"), keystone.add_region("Pod2")
    keystone.mocker.get(f"{pod1}/compute/v2.1/flavors", json={"flavors": ["pod1"]})
    keystone.mocker.get(f"{pod2}/compute/v2.1/flavors", json={"flavors": ["pod2"]})
    first = Pod.objects.create(region_name="Pod1", az_name="az1")
    second = Pod.objects.create(region_name="Pod2", az_name="az2")
    assert nova(first, "2.1").get("/flavors") == {"flavors": ["pod1"]}
    assert nova(second, "2.1").get("/flavors") == {"flavors": ["pod2"]}
    assert nova(first, "2.1").get("/flavors") == {"flavors": ["pod1"]}
    assert sorted(catalog_lookups) == ["Pod1", "Pod2"]


def test_a_region_that_lost_its_endpoints_is_a_pod_not_answering(keystone):
    """The catalog lists the volume service under two of its aliases (as DevStack and the lab
    do) and the region has no endpoint of it: keystoneauth raises ValueError there."""
    keystone.add_region("Pod1")
    keystone.list_volume_service_under_two_aliases()
    gone = Pod.objects.create(region_name="Gone", az_name="az2")
    clients.cache_clear()
    with pytest.raises(ServiceUnanswered, match="Cinder of Gone is not answering"):
        cinder(gone).get("/volumes")
