"""Cross-pod tunnels: every pod's Neutron knows the tunnel endpoints (VTEPs) of the other pods'
agents, so its agents make tunnels to them and a VXLAN segment (a tenant network, the bridge
network, the stretched network a floating IP of another pod's VM needs) spans the pods.

Each pod's ML2 knows only its own agents' endpoints (they tell it at start); l2population is
not needed: once an agent has a tunnel to every endpoint, it floods a segment's broadcasts to
all of them and learns where the MACs are, as in one cloud without l2population. Neutron's API
cannot add an endpoint; its RPC can (pods.neutron_bus), so the pods Tricircle tells are those
with a transport URL. Endpoints are read from each pod's agents (`GET /v2.0/agents`: host,
configurations.tunneling_ip and tunnel_types) by the tunnel_endpoints_sync job, when a pod is
added, changed or deleted and every settings.TUNNEL_SYNC_INTERVAL seconds (agents come and go).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from jobs.services import request_job
from networking.job_names import TUNNEL_ENDPOINTS_SYNC
from networking.models import TunnelEndpoint
from pods.clients import ServiceError, pod_neutron
from pods.models import Pod
from pods.neutron_bus import neutron_bus
from tricircle_site.exceptions import ServiceUnavailable

LOG = logging.getLogger(__name__)

# The project a federation-wide job is recorded under (it belongs to no tenant).
CLOUD_PROJECT = "cloud"
# The one resource of the job: all pods at once (each run reads and tells every pod).
ALL_PODS = {"scope": "pods"}
# The Pod fields whose change can change what the pods must be told.
POD_FIELDS = {"az_name", "transport_url"}


@dataclass(frozen=True, order=True)
class Endpoint:
    region_name: str
    host: str
    ip_address: str
    tunnel_type: str

    @property
    def told_host(self) -> str:
        """The host another pod's ML2 records the endpoint under. Qualified by the region: two
        pods may have hosts of one name, and ML2 replaces the endpoint of a host that comes with
        another IP, which would drop the pod's own agent's."""
        return f"{self.region_name}:{self.host}"


@dataclass
class TunnelSync:
    told: int = 0
    withdrawn: int = 0
    unread: tuple[str, ...] = ()
    unreachable: tuple[str, ...] = ()


def agent_endpoints(pod: Pod) -> set[Endpoint]:
    """The tunnel endpoints of the pod's agents, alive or not (an agent that is down for a
    while keeps its endpoint in its own pod too)."""
    agents = pod_neutron(pod).get("/agents")["agents"]
    found = set()
    for agent in agents:
        conf = agent.get("configurations") or {}
        ip, types = conf.get("tunneling_ip"), conf.get("tunnel_types") or []
        if not isinstance(ip, str) or not ip or not isinstance(types, list):
            continue
        for tunnel_type in types:
            if isinstance(tunnel_type, str) and tunnel_type:
                found.add(Endpoint(pod.region_name, str(agent.get("host", "")), ip, tunnel_type))
    return found


def converge_tunnel_endpoints() -> TunnelSync:
    """Tell every pod with a message bus the endpoints of the other pods' agents, and withdraw
    those of agents and pods that went. Converges (each run sends them all again: a pod whose
    database was restored learns them back). ServiceUnavailable at the end when a pod could
    not be read or told, so the job runs again."""
    pods = list(Pod.objects.exclude(az_name=""))
    recorded = {
        Endpoint(row.region_name, row.host, row.ip_address, row.tunnel_type): row
        for row in TunnelEndpoint.objects.all()
    }
    current: set[Endpoint] = set()
    unread = []
    for pod in pods:
        try:
            current |= agent_endpoints(pod)
        except (ServiceError, ServiceUnavailable) as exc:
            LOG.warning("agents of %s not read: %s", pod.region_name, exc)
            unread.append(pod.region_name)
    # A pod that does not answer has not lost its agents: what it had stays.
    current |= {e for e, row in recorded.items() if e.region_name in unread and not row.gone}
    gone = set(recorded) - current
    _record(current, gone)
    result = TunnelSync(unread=tuple(unread))
    in_use = {e.ip_address for e in current}
    unreachable = []
    for pod in pods:
        if not pod.transport_url:
            continue
        own = {e.ip_address for e in current if e.region_name == pod.region_name}
        try:
            with neutron_bus(pod) as bus:
                # Withdrawn first, and only addresses no endpoint has now (an address taken over
                # by another agent is told again below, not removed after).
                for endpoint in sorted(gone):
                    if (
                        endpoint.region_name != pod.region_name
                        and endpoint.ip_address not in in_use
                    ):
                        bus.tunnel_delete(endpoint.ip_address, endpoint.tunnel_type)
                        result.withdrawn += 1
                for endpoint in sorted(current):
                    if endpoint.region_name == pod.region_name:
                        continue  # the pod's own agents told it themselves
                    if endpoint.ip_address in own:
                        # ML2 would give the address to the other pod's host, taking it from
                        # this pod's own agent: two pods' underlays overlap, no tunnel can work.
                        LOG.warning(
                            "%s of %s is also an endpoint of %s: not told",
                            endpoint.ip_address,
                            endpoint.region_name,
                            pod.region_name,
                        )
                        continue
                    bus.tunnel_sync(endpoint.ip_address, endpoint.tunnel_type, endpoint.told_host)
                    result.told += 1
        except ServiceUnavailable as exc:
            LOG.warning("tunnel endpoints not told to %s: %s", pod.region_name, exc)
            unreachable.append(pod.region_name)
    result.unreachable = tuple(unreachable)
    if not unreachable:
        # Every pod has forgotten them: nothing is left to withdraw.
        TunnelEndpoint.objects.filter(gone=True).delete()
    if unread or unreachable:
        raise ServiceUnavailable(
            f"Tunnel endpoints: agents not read in {', '.join(unread) or 'no pod'}; "
            f"not told to {', '.join(unreachable) or 'no pod'}."
        )
    return result


def _record(current: set[Endpoint], gone: set[Endpoint]) -> None:
    for endpoint in current:
        TunnelEndpoint.objects.update_or_create(
            region_name=endpoint.region_name,
            ip_address=endpoint.ip_address,
            tunnel_type=endpoint.tunnel_type,
            defaults={"host": endpoint.host, "gone": False},
        )
    for endpoint in gone:
        TunnelEndpoint.objects.filter(
            region_name=endpoint.region_name,
            ip_address=endpoint.ip_address,
            tunnel_type=endpoint.tunnel_type,
        ).update(gone=True)


def tunnels_wanted() -> bool:
    """Whether a sync has anything to do: some pod can be told, or endpoints wait to be
    withdrawn."""
    return (
        Pod.objects.exclude(az_name="").exclude(transport_url="").exists()
        or TunnelEndpoint.objects.exists()
    )


def request_tunnel_sync() -> None:
    """Ask for a tunnel_endpoints_sync job when there is something to do; requests merge."""
    if tunnels_wanted():
        request_job(TUNNEL_ENDPOINTS_SYNC, CLOUD_PROJECT, ALL_PODS)


def pod_saved(update_fields: frozenset[str] | None) -> None:
    """A pod was added or changed (not a health check, which saves its own fields only)."""
    if update_fields is None or POD_FIELDS & set(update_fields):
        request_tunnel_sync()
