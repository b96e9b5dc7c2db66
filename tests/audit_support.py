"""Shared pieces of the drift audit's unit tests: a central Neutron and two pods (Pod1, Pod2)
whose Neutron, Nova and Cinder list page by page (tests.fake_listed_apis), and helpers that
make top resources, their bottom copies and routing entries as Tricircle makes them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from tests.fake_listed_apis import NEUTRON, FakeListedApi, FakePod

CENTRAL_NEUTRON_URL = "http://central-neutron.test:9696"
PROJECT = "demo-project"


@dataclass
class Cloud:
    central: FakeListedApi
    pods: dict[str, FakePod]
    records: dict[str, Pod]

    def pod(self, name: str = "Pod1") -> Pod:
        return self.records[name]

    def copy(
        self,
        collection: str,
        resource_type: str,
        pod: str = "Pod1",
        routed: bool = True,
        **fields: object,
    ) -> tuple[dict, dict]:
        """A top resource and its bottom copy in the pod (named after the top id), with its
        routing entry unless routed is False."""
        top = self.central.add(collection, project_id=PROJECT, **fields)
        bottom = self.pods[pod].neutron.add(
            collection, **{**fields, "name": top["id"], "project_id": PROJECT}
        )
        if routed:
            self.route(top["id"], bottom["id"], resource_type, pod)
        return top, bottom

    def route(self, top_id: str, bottom_id: str, resource_type: str, pod: str = "Pod1") -> None:
        ResourceRouting.objects.create(
            top_id=top_id,
            bottom_id=bottom_id,
            pod=self.records[pod],
            project_id=PROJECT,
            resource_type=resource_type,
        )


def make_cloud(settings, keystone) -> Cloud:
    settings.CENTRAL_NEUTRON_URL = CENTRAL_NEUTRON_URL
    settings.AUDIT_PAGE_SIZE = 50
    central = FakeListedApi(keystone.mocker, f"{CENTRAL_NEUTRON_URL}/v2.0", NEUTRON)
    pods, records = {}, {}
    for name, zone in (("Pod1", "az1"), ("Pod2", "az2")):
        records[name] = Pod.objects.create(region_name=name, az_name=zone)
        pods[name] = FakePod(keystone.mocker, keystone.add_region(name))
    return Cloud(central, pods, records)


def new_id() -> str:
    return str(uuid.uuid4())


__all__ = ["PROJECT", "Cloud", "ResourceType", "make_cloud", "new_id"]
