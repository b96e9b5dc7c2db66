"""The dashboard's topology picture: AZs, their pods, the top networks and routers (from the
routing table) and the pods each is materialised in, bridge networks and the routers they join.
Built from the apps' service functions; the layout (plain coordinates) is computed here so the
template only draws it as SVG, server-side, with no script needed."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pods import services as pod_services
from pods.clients import central_neutron
from pods.models import Pod
from routing import services as routing_services
from routing.models import ResourceType

LOG = logging.getLogger(__name__)

DRAWN_TYPES = (ResourceType.NETWORK, ResourceType.ROUTER)
# Tricircle names the per-project L3 bridge networks bridge_net_<project> (north-south ones
# ns_bridge_net_<project>), as the original Tricircle did.
BRIDGE_PREFIXES = ("bridge", "ns_bridge")
# Enough for an operator's overview; more would not be readable in one picture anyway.
MAX_RESOURCES = 60

# Layout (SVG user units).
MARGIN = 20
NODE_W, NODE_H, NODE_GAP = 160, 44, 16
POD_W, POD_H, POD_GAP = 150, 64, 16
AZ_PAD, AZ_TITLE = 14, 26
BAND_GAP = 90


@dataclass
class Box:
    x: float = 0
    y: float = 0
    w: float = 0
    h: float = 0

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass
class PodNode(Box):
    pod: Pod | None = None


@dataclass
class AzNode(Box):
    name: str = ""
    pods: list[PodNode] = field(default_factory=list)


@dataclass
class ResourceNode(Box):
    top_id: str = ""
    kind: str = ""  # network, router or bridge
    name: str = ""
    project_id: str = ""
    regions: list[str] = field(default_factory=list)
    selected: bool = False

    @property
    def label(self) -> str:
        text = self.name or self.top_id
        return text if len(text) <= 20 else text[:19] + "…"

    @property
    def description(self) -> str:
        where = ", ".join(self.regions) or "no pod yet"
        return f"{self.kind} {self.name or self.top_id} ({self.top_id}), materialised in {where}"


@dataclass
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str  # "materialised" (resource -> pod) or "joins" (bridge -> router)


@dataclass
class Topology:
    width: float
    height: float
    zones: list[AzNode]
    resources: list[ResourceNode]
    edges: list[Edge]
    names_note: str = ""
    hidden: int = 0

    @property
    def bridges(self) -> list[ResourceNode]:
        return [node for node in self.resources if node.kind == "bridge"]


def _central_names(network_ids: list[str], router_ids: list[str]) -> tuple[dict[str, str], str]:
    """Names from the central Neutron with the service account; ({}, why) when it cannot
    answer, so the picture falls back to ids instead of failing."""
    names: dict[str, str] = {}
    try:
        neutron = central_neutron()
        for collection, ids in (("networks", network_ids), ("routers", router_ids)):
            if ids:
                items = neutron.get(f"/{collection}", id=ids, fields=["id", "name"])[collection]
                names.update({item["id"]: item.get("name") or "" for item in items})
    except Exception as exc:  # any failure (down, auth, odd answer) only costs the names
        LOG.warning("Topology: no names from the central Neutron: %s", exc)
        return {}, f"Names unavailable (the central Neutron did not answer: {exc}); ids shown."
    return names, ""


def _routers_joined(bridge_ids: list[str]) -> dict[str, list[str]]:
    """{bridge network id: ids of the routers with an interface on it} (empty when the central
    Neutron cannot say)."""
    joined: dict[str, list[str]] = {}
    try:
        neutron = central_neutron()
        for bridge_id in bridge_ids:
            ports = neutron.get(
                "/ports", network_id=bridge_id, fields=["device_id", "device_owner"]
            )["ports"]
            joined[bridge_id] = sorted(
                {
                    port["device_id"]
                    for port in ports
                    if port.get("device_owner", "").startswith("network:router")
                }
            )
    except Exception as exc:
        LOG.warning("Topology: bridge ports unavailable: %s", exc)
    return joined


def build(selected: str = "") -> Topology:
    zones_by_name = pod_services.availability_zones()
    entries = routing_services.entries_of_types(DRAWN_TYPES)
    grouped: dict[tuple[str, str], ResourceNode] = {}
    for entry in entries:
        node = grouped.setdefault(
            (entry.resource_type, entry.top_id),
            ResourceNode(
                top_id=entry.top_id, kind=entry.resource_type, project_id=entry.project_id
            ),
        )
        node.regions.append(entry.pod.region_name)
    resources = list(grouped.values())
    hidden = max(len(resources) - MAX_RESOURCES, 0)
    resources = resources[:MAX_RESOURCES]
    network_ids = [node.top_id for node in resources if node.kind == ResourceType.NETWORK]
    router_ids = [node.top_id for node in resources if node.kind == ResourceType.ROUTER]
    names, names_note = _central_names(network_ids, router_ids)
    for node in resources:
        node.name = names.get(node.top_id, "")
        node.kind = str(node.kind)
        if node.kind == "network" and node.name.lower().startswith(BRIDGE_PREFIXES):
            node.kind = "bridge"
        node.selected = node.top_id == selected
    # Routers first, then networks, then bridges: bridges sit beside the routers they join.
    order = {"router": 0, "network": 1, "bridge": 2}
    resources.sort(key=lambda node: (order[node.kind], node.name or node.top_id))
    bridges = [node for node in resources if node.kind == "bridge"]
    joined = _routers_joined([node.top_id for node in bridges]) if bridges else {}
    return _layout(zones_by_name, resources, joined, names_note, hidden)


def _layout(
    zones_by_name: dict[str, list[Pod]],
    resources: list[ResourceNode],
    joined: dict[str, list[str]],
    names_note: str,
    hidden: int,
) -> Topology:
    zones = []
    x = MARGIN
    for name in sorted(zones_by_name):
        zone = AzNode(name=name, x=x)
        pod_x = x + AZ_PAD
        for pod in zones_by_name[name]:
            zone.pods.append(PodNode(pod=pod, x=pod_x, w=POD_W, h=POD_H))
            pod_x += POD_W + POD_GAP
        zone.w = max(pod_x - POD_GAP + AZ_PAD - x, POD_W + 2 * AZ_PAD)
        zones.append(zone)
        x += zone.w + NODE_GAP
    zones_width = x - NODE_GAP + MARGIN
    per_row = max(int((max(zones_width, 720) - 2 * MARGIN + NODE_GAP) // (NODE_W + NODE_GAP)), 1)
    rows = (len(resources) + per_row - 1) // per_row
    width = max(zones_width, min(len(resources), per_row) * (NODE_W + NODE_GAP) + 2 * MARGIN, 720)
    for index, node in enumerate(resources):
        row, column = divmod(index, per_row)
        node.x = MARGIN + column * (NODE_W + NODE_GAP)
        node.y = MARGIN + row * (NODE_H + NODE_GAP)
        node.w, node.h = NODE_W, NODE_H
    band_bottom = MARGIN + rows * (NODE_H + NODE_GAP) - NODE_GAP if rows else MARGIN
    zones_top = band_bottom + BAND_GAP
    for zone in zones:
        zone.y, zone.h = zones_top, AZ_TITLE + POD_H + AZ_PAD
        for pod_node in zone.pods:
            pod_node.y = zones_top + AZ_TITLE
    pods_by_region = {pod.pod.region_name: pod for zone in zones for pod in zone.pods if pod.pod}
    edges = []
    for node in resources:
        for region in node.regions:
            target = pods_by_region.get(region)
            if target is not None:
                edges.append(Edge(node.cx, node.bottom, target.cx, target.y, "materialised"))
    routers = {node.top_id: node for node in resources if node.kind == "router"}
    for node in resources:
        for router_id in joined.get(node.top_id, []):
            router = routers.get(router_id)
            if router is not None:
                edges.append(Edge(node.cx, node.y + node.h / 2, router.cx, router.bottom, "joins"))
    height = zones_top + (zones[0].h if zones else 0) + MARGIN
    return Topology(width, height, zones, resources, edges, names_note, hidden)
