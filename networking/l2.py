"""Cross-pod L2 for VxLAN: a network stretched over pods has, in each pod, a shadow port for
every VM port that lives in another pod (the same IP and MAC, device_owner compute:shadow, bound
to a host named for the VM's pod), so the pod's L2 population knows where the remote addresses
are. Shadows are bottom copies of the VM's top port: deleting the top port removes them with
its other copies (bottom_cleanup)."""

from __future__ import annotations

from networking import bottom
from networking.l3 import SHADOW_OWNER
from pods import fanout
from pods.clients import ServiceError, central_neutron, pod_neutron
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from tricircle_site.jsontypes import JsonDict

# Known shadows read at once, by id (a query string of about 4 KB).
SHADOWS_PER_READ = 100


def shadow_host(pod: Pod) -> str:
    return f"shadow-{pod.region_name}"


def converge_shadow_ports(network_id: str) -> int:
    """Make the shadows of the network's VM ports in every other pod holding the network;
    returns how many exist. Converges from the current top state (safe to run again)."""
    central = central_neutron()
    try:
        network = central.get(f"/networks/{network_id}")["network"]
    except ServiceError as exc:
        if exc.status_code == 404:
            return 0
        raise
    if network.get("provider:network_type") != "vxlan":
        return 0
    pods = {
        routing.pod
        for routing in ResourceRouting.objects.select_related("pod").filter(
            top_id=network_id, resource_type=ResourceType.NETWORK
        )
    }
    if len(pods) < 2:
        return 0
    vm_ports = [
        port
        for port in central.get("/ports", network_id=network_id)["ports"]
        if port["device_owner"].startswith("compute:") and port["device_owner"] != SHADOW_OWNER
    ]
    homes = dict(
        ResourceRouting.objects.filter(
            top_id__in=[port["device_id"] for port in vm_ports],
            resource_type=ResourceType.SERVER,
        ).values_list("top_id", "pod")
    )
    wanted: dict[Pod, list[tuple[JsonDict, Pod]]] = {pod: [] for pod in pods}
    for port in vm_ports:
        home_id = homes.get(port["device_id"])
        home = next((pod for pod in pods if pod.pk == home_id), None)
        if home is None:
            continue
        for pod in pods - {home}:
            wanted[pod].append((port, home))
    return make_shadows_in_pods(wanted)


def make_shadows_in_pods(wanted: dict[Pod, list[tuple[JsonDict, Pod]]]) -> int:
    """`make_shadows` for each pod, all pods at once; how many shadows exist in all."""
    with bottom.one_batch():
        return sum(fanout.each(list(wanted.items()), lambda item: make_shadows(*item)))


SHADOW_MARKING_FIELDS = ("device_owner", "binding:host_id")


def shadow_marking(home: Pod) -> JsonDict:
    return dict(zip(SHADOW_MARKING_FIELDS, (SHADOW_OWNER, shadow_host(home)), strict=True))


def make_shadows(pod: Pod, members: list[tuple[JsonDict, Pod]]) -> int:
    """The shadows in `pod` of VM ports living in other pods ((top port, its pod) pairs);
    returns how many exist. Every run looks at every shadow of a network (or group), so those
    the routing table knows are read in one call per SHADOWS_PER_READ and marked again only
    where they are not (a port update costs the pod's Neutron far more than a read: rewriting
    them all, or reading them one by one, on each boot slowed the boots); the others are made."""
    known = dict(
        ResourceRouting.objects.filter(
            top_id__in=[port["id"] for port, _ in members], pod=pod, resource_type=ResourceType.PORT
        )
        .exclude(bottom_id="")
        .values_list("top_id", "bottom_id")
    )
    neutron = pod_neutron(pod)
    bottom_ids = list(known.values())
    present: dict[str, JsonDict] = {}
    for start in range(0, len(bottom_ids), SHADOWS_PER_READ):
        chunk = bottom_ids[start : start + SHADOWS_PER_READ]
        read = neutron.get("/ports", id=chunk, fields=["id", *SHADOW_MARKING_FIELDS])["ports"]
        present.update((port["id"], port) for port in read)
    count = 0
    for port, home in members:
        bottom_id = known.get(port["id"])
        current = present.get(bottom_id) if bottom_id else None
        if current is None:
            # Not made yet, or gone from the pod behind Tricircle's back: made (again).
            if bottom_id:
                ResourceRouting.objects.filter(
                    top_id=port["id"], pod=pod, resource_type=ResourceType.PORT
                ).delete()
            count += make_shadow(pod, home, port)
            continue
        marking = shadow_marking(home)
        if any(current.get(key) != value for key, value in marking.items()):
            try:
                neutron.put(f"/ports/{bottom_id}", {"port": marking})
            except ServiceError as exc:
                if exc.status_code != 404:
                    raise
                continue  # the port's cleanup took it since the read
        count += 1
    return count


def make_shadow(pod: Pod, home: Pod, port: JsonDict) -> bool:
    """A new shadow of a VM port in another pod; none when the port is deleted meanwhile (its
    server went while this job ran): a shadow made after the port's cleanup would be left
    behind, holding its network in the pod."""
    try:
        bottom.ensure_port(pod, port["id"], port["project_id"], made_with=shadow_marking(home))
        central_neutron().get(f"/ports/{port['id']}")
    except ServiceError as exc:
        if exc.status_code != 404:
            raise
        for copy in pod_neutron(pod).get("/ports", name=port["id"], fields="id")["ports"]:
            pod_neutron(pod).delete(f"/ports/{copy['id']}")
        ResourceRouting.objects.filter(
            top_id=port["id"], pod=pod, resource_type=ResourceType.PORT
        ).delete()
        return False
    return True
