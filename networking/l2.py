"""Cross-pod L2 for VxLAN: a network stretched over pods has, in each pod, a shadow port for
every VM port that lives in another pod (the same IP and MAC, device_owner compute:shadow, bound
to a host named for the VM's pod), so the pod's L2 population knows where the remote addresses
are. Shadows are bottom copies of the VM's top port: deleting the top port removes them with
its other copies (bottom_cleanup)."""

from __future__ import annotations

from networking import bottom
from networking.l3 import SHADOW_OWNER
from pods.clients import ServiceError, central_neutron, pod_neutron
from pods.models import Pod
from routing.models import ResourceRouting, ResourceType
from tricircle_site.jsontypes import JsonDict


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
    count = 0
    for port in vm_ports:
        home_id = homes.get(port["device_id"])
        home = next((pod for pod in pods if pod.pk == home_id), None)
        if home is None:
            continue
        for pod in pods - {home}:
            if make_shadow(pod, home, port):
                count += 1
    return count


def make_shadow(pod: Pod, home: Pod, port: JsonDict) -> bool:
    """The shadow of a VM port in another pod; none when the port is deleted meanwhile (its
    server went while this job ran): a shadow made after the port's cleanup would be left
    behind, holding its network in the pod."""
    try:
        shadow = {"device_owner": SHADOW_OWNER, "binding:host_id": shadow_host(home)}
        shadow_id = bottom.ensure_port(pod, port["id"], port["project_id"], made_with=shadow)
        # A copy made before (by an earlier run, or adopted) is marked again where it is not:
        # every run looks at every shadow of the network, and a port update costs the pod's
        # Neutron far more than a read (rewriting them all on each boot slowed the boots).
        neutron = pod_neutron(pod)
        current = neutron.get(f"/ports/{shadow_id}", fields=list(shadow))["port"]
        if any(current.get(key) != value for key, value in shadow.items()):
            neutron.put(f"/ports/{shadow_id}", {"port": shadow})
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
