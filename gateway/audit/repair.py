"""Mending a finding through what already keeps the pods in step: the jobs (bottom_cleanup,
router_setup, port_sync, security_group_sync, flavor_sync, keypair_cleanup,
server_ports_release), networking.bottom's copy makers, and the routing table.

Before an action removes anything it checks again, with the service account, that the reason
still holds (the pod's 404 for a dangling route, the top's 404 for an orphan the routing table
does not name): an audit is a snapshot, and the cloud kept moving since."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from gateway.audit import findings as f
from gateway.audit.findings import FLOATINGIP
from gateway.audit.network import COLLECTIONS
from gateway.job_names import FLAVOR_SYNC, KEYPAIR_CLEANUP, SERVER_PORTS_RELEASE
from gateway.models import AuditClass, AuditFinding, AuditFindingStatus, VolumeType
from jobs.models import Job
from jobs.services import request_job
from networking import bottom
from networking.job_names import BOTTOM_CLEANUP, PORT_SYNC, ROUTER_SETUP, SECURITY_GROUP_SYNC
from pods.clients import ServiceClient, ServiceError, central_neutron, cinder, nova, pod_neutron
from routing.models import ResourceRouting, ResourceType
from routing.services import record_bottom
from tricircle_site.exceptions import Conflict, TricircleError

LOG = logging.getLogger(__name__)
Action = Callable[[AuditFinding], Job | None]

# Removal order across types, as a top resource's own cleanup goes: floating IPs and routers
# before the ports on their networks, ports before subnets and networks, groups when no port
# uses them any more (jobs that still find something in the way fail and are retried).
ORDER = [
    FLOATINGIP,
    ResourceType.ROUTER,
    ResourceType.SERVER,
    ResourceType.PORT,
    ResourceType.SUBNET,
    ResourceType.NETWORK,
    ResourceType.SECURITY_GROUP,
]
NOVA_VERSION = "2.61"


def _show_path(finding: AuditFinding) -> tuple[ServiceClient, str]:
    """The pod's API and the path of the finding's item there, as the service account sees it
    (a key pair's user is a query parameter: `_gone` and `_delete_copy` pass it)."""
    pod, kind, bottom_id = finding.pod, finding.resource_type, finding.bottom_id
    if kind in COLLECTIONS:
        return pod_neutron(pod), f"/{COLLECTIONS[kind][0]}/{bottom_id}"
    if kind == FLOATINGIP:
        return pod_neutron(pod), f"/floatingips/{bottom_id}"
    if kind == ResourceType.SERVER:
        return nova(pod, NOVA_VERSION), f"/servers/{bottom_id}"
    if kind == ResourceType.FLAVOR:
        return nova(pod, NOVA_VERSION), f"/flavors/{bottom_id}"
    if kind == ResourceType.KEYPAIR:
        return nova(pod, NOVA_VERSION), f"/os-keypairs/{finding.top_id.split('/', 1)[1]}"
    paths: dict[str, str] = {
        ResourceType.VOLUME: "volumes",
        ResourceType.SNAPSHOT: "snapshots",
        ResourceType.BACKUP: "backups",
        ResourceType.VOLUME_TYPE: "types",
    }
    return cinder(pod), f"/{paths[kind]}/{bottom_id}"


def _gone(client: ServiceClient, path: str, finding: AuditFinding) -> bool:
    params = {}
    if finding.resource_type == ResourceType.KEYPAIR:
        params["user_id"] = finding.top_id.split("/", 1)[0]
    try:
        client.get(path, **params)
    except ServiceError as exc:
        if exc.status_code == 404:
            return True
        raise
    return False


def _entry(finding: AuditFinding) -> ResourceRouting | None:
    return ResourceRouting.objects.filter(
        pod=finding.pod, resource_type=finding.resource_type, top_id=finding.top_id
    ).first()


def _remove_route(finding: AuditFinding) -> Job | None:
    entry = _entry(finding)
    if entry is None or entry.bottom_id != finding.bottom_id:
        return None  # removed or remade since the audit: nothing dangles any more
    if not _gone(*_show_path(finding), finding):
        raise Conflict(f"{finding.bottom_id} is in {finding.pod.region_name} again; kept.")
    entry.delete()
    return None


def _server_ports_release(finding: AuditFinding) -> Job | None:
    if not _gone(*_show_path(finding), finding):
        raise Conflict(f"Server {finding.bottom_id} is in its pod again; kept.")
    return request_job(SERVER_PORTS_RELEASE, finding.project_id, {"server_id": finding.top_id})


def _routed_for_cleanup(finding: AuditFinding) -> None:
    """An orphan the routing table does not name is recorded first, so the cleanup jobs (which
    work from routing entries) remove it; only once the top says it has no such resource."""
    if _entry(finding) is not None:
        return
    path = COLLECTIONS[finding.resource_type][0]
    if not _gone(central_neutron(), f"/{path}/{finding.top_id}", finding):
        raise Conflict(f"The top {finding.resource_type} {finding.top_id} exists; kept.")
    record_bottom(
        finding.top_id, finding.bottom_id, finding.pod, finding.resource_type, finding.project_id
    )


def _bottom_cleanup(finding: AuditFinding) -> Job | None:
    _routed_for_cleanup(finding)
    resource = {"resource_type": finding.resource_type, "top_id": finding.top_id}
    return request_job(BOTTOM_CLEANUP, finding.project_id, resource)


def _router_setup(finding: AuditFinding) -> Job | None:
    if finding.resource_type == ResourceType.ROUTER:
        _routed_for_cleanup(finding)
        router_id = finding.top_id
    else:
        router_id = str(finding.repair_args["router_id"])
    return request_job(ROUTER_SETUP, finding.project_id, {"router_id": router_id})


COPY_MAKERS: dict[str, Callable[..., str]] = {
    ResourceType.NETWORK: bottom.ensure_network,
    ResourceType.SUBNET: bottom.ensure_subnet,
    ResourceType.PORT: bottom.ensure_port,
    ResourceType.SECURITY_GROUP: bottom.ensure_security_group,
}


def _remake_copy(finding: AuditFinding) -> Job | None:
    """The copy routing names is gone from the pod: its entry goes and the copy is made again
    as a boot makes it (a router through its router_setup job)."""
    _remove_route(finding)
    if finding.resource_type == ResourceType.ROUTER:
        return request_job(ROUTER_SETUP, finding.project_id, {"router_id": finding.top_id})
    COPY_MAKERS[finding.resource_type](finding.pod, finding.top_id, finding.project_id)
    return None


def _record_route(finding: AuditFinding) -> Job | None:
    record_bottom(
        finding.top_id, finding.bottom_id, finding.pod, finding.resource_type, finding.project_id
    )
    return None


def _delete_duplicate(finding: AuditFinding) -> Job | None:
    entry = _entry(finding)
    if entry is None or entry.bottom_id == finding.bottom_id:
        raise Conflict(f"{finding.bottom_id} is the routed copy now; kept.")
    client, path = _show_path(finding)
    client.delete(path)
    return None


def _delete_copy(finding: AuditFinding) -> Job | None:
    client, path = _show_path(finding)
    client.delete(path)
    entry = _entry(finding)
    if entry is not None and entry.bottom_id == finding.bottom_id:
        entry.delete()
    return None


def _set_extra_specs(finding: AuditFinding) -> Job | None:
    volume_type = VolumeType.objects.get(pk=finding.top_id)
    client = cinder(finding.pod)
    path = f"/types/{finding.bottom_id}/extra_specs"
    present = client.get(path).get("extra_specs", {})
    for key in set(present) - set(volume_type.extra_specs):
        client.delete(f"{path}/{key}")
    if volume_type.extra_specs:
        client.post(path, {"extra_specs": volume_type.extra_specs})
    return None


def _keypair_cleanup(finding: AuditFinding) -> Job | None:
    user_id, name = finding.top_id.split("/", 1)
    return request_job(KEYPAIR_CLEANUP, finding.project_id, {"user_id": user_id, "name": name})


ACTIONS: dict[str, Action] = {
    f.REMOVE_ROUTE: _remove_route,
    f.SERVER_PORTS_RELEASE: _server_ports_release,
    f.BOTTOM_CLEANUP: _bottom_cleanup,
    f.ROUTER_SETUP: _router_setup,
    f.REMAKE_COPY: _remake_copy,
    f.RECORD_ROUTE: _record_route,
    f.DELETE_DUPLICATE: _delete_duplicate,
    f.DELETE_COPY: _delete_copy,
    f.SET_EXTRA_SPECS: _set_extra_specs,
    f.KEYPAIR_CLEANUP: _keypair_cleanup,
    f.PORT_SYNC: lambda x: request_job(PORT_SYNC, x.project_id, {"port_id": x.top_id}),
    f.SECURITY_GROUP_SYNC: lambda x: request_job(
        SECURITY_GROUP_SYNC, x.project_id, {"security_group_id": x.top_id}
    ),
    f.FLAVOR_SYNC: lambda x: request_job(FLAVOR_SYNC, x.project_id, {"flavor_id": x.top_id}),
}


def repair(finding: AuditFinding) -> AuditFinding:
    """Carry out the finding's repair; the finding records what happened. Conflict for what is
    not Tricircle's (never touched) or needs an operator."""
    if finding.audit_class == AuditClass.UNKNOWN:
        raise Conflict("This resource is not Tricircle's: the audit never touches it.")
    if not finding.repair_action:
        raise Conflict(f"No automatic repair: {finding.detail}; an operator must decide.")
    if finding.status in {AuditFindingStatus.REPAIRED, AuditFindingStatus.REPAIR_REQUESTED}:
        return finding
    try:
        job = ACTIONS[finding.repair_action](finding)
    except TricircleError as exc:
        LOG.warning("Repair of audit finding %s failed: %s", finding.pk, exc)
        finding.status, finding.repair_note = AuditFindingStatus.REPAIR_FAILED, str(exc)
    else:
        if job is None:
            finding.status, finding.repair_note = AuditFindingStatus.REPAIRED, "done"
        else:
            finding.status, finding.job_id = AuditFindingStatus.REPAIR_REQUESTED, str(job.pk)
            finding.repair_note = f"{job.type} job requested"
    finding.save()
    return finding


def repair_all(found: Iterable[AuditFinding]) -> list[AuditFinding]:
    """Repair each repairable finding, in removal order; unknowns and proposals are left."""

    def rank(finding: AuditFinding) -> int:
        kind = finding.resource_type
        return ORDER.index(kind) if kind in ORDER else len(ORDER)

    repairable = [x for x in found if x.audit_class != AuditClass.UNKNOWN and x.repair_action]
    return [repair(finding) for finding in sorted(repairable, key=rank)]
