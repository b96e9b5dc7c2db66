"""A pod's endpoint is read from the service account's catalog once per catalog (keystoneauth
normalizes the whole catalog on each lookup): a new token's catalog is read again."""

import pytest
from keystoneauth1 import adapter as ks_adapter

from pods.clients import clients

pytestmark = pytest.mark.django_db


def test_read_once_then_again_with_a_new_catalog(keystone, monkeypatch):
    url = keystone.add_region("Pod1")
    lookups = []
    lookup = ks_adapter.Adapter.get_endpoint

    def counted(self, *args, **kwargs):
        lookups.append(self.region_name)
        return lookup(self, *args, **kwargs)

    monkeypatch.setattr(ks_adapter.Adapter, "get_endpoint", counted)
    registry = clients()
    first = registry.endpoint("Pod1", "compute")
    assert first and first.startswith(url)
    assert registry.endpoint("Pod1", "compute") == first
    assert lookups == ["Pod1"]
    registry.session("Pod1").auth.invalidate()  # the token expired: a new one, a new catalog
    assert registry.endpoint("Pod1", "compute") == first
    assert lookups == ["Pod1", "Pod1"]
