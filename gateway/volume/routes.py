"""The Block Storage API's declared routes (Cinder v3, after its router,
cinder/api/v3/router.py, and the extensions it loads): each path template with the methods
Cinder takes there. A path may also start with the caller's project id (VolumeView.route_path
takes it off). Families Tricircle gives no meaning of its own are passed to the first pod as
they came (api.on_first_pod)."""

from __future__ import annotations

from gateway.routes import Handler, RouteTable
from gateway.volume import backups, groups, qos_specs, quotas, snapshots, types, volumes, zones
from gateway.volume.api import not_found, on_first_pod

ANY_POD = on_first_pod
OTHER_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def routed(*methods: str, to: Handler = ANY_POD) -> dict[str, Handler]:
    return dict.fromkeys(methods, to)


def member_action(method: str, handler: Handler) -> dict[str, Handler]:
    """A QoS spec set's member action: Cinder's routes take it with its one method and answer
    any other with a 404 (its qos_specs_manage extension's member_actions), as Tricircle
    does."""
    return {**dict.fromkeys(OTHER_METHODS, not_found), method: handler}


VOLUMES: dict[str, dict[str, Handler]] = {
    "/volumes": {"GET": volumes.list_volumes, "POST": volumes.create_volume},
    "/volumes/detail": {"GET": volumes.list_volumes_detail},
    "/volumes/summary": {"GET": volumes.volumes_summary},
    "/volumes/{volume_id}": {
        "GET": volumes.show_volume,
        "PUT": volumes.on_volume,
        "DELETE": volumes.delete_volume,
    },
    "/volumes/{volume_id}/action": {"POST": volumes.volume_action},
    "/volumes/{volume_id}/metadata": routed("GET", "POST", "PUT", to=volumes.on_volume),
    "/volumes/{volume_id}/metadata/{key}": routed("GET", "PUT", "DELETE", to=volumes.on_volume),
    "/volumes/{volume_id}/encryption": routed("GET", to=volumes.on_volume),
    "/volumes/{volume_id}/encryption/{key}": routed("GET", to=volumes.on_volume),
}

SNAPSHOTS: dict[str, dict[str, Handler]] = {
    "/snapshots": {"GET": snapshots.list_snapshots, "POST": snapshots.create_snapshot},
    "/snapshots/detail": {"GET": snapshots.list_snapshots_detail},
    "/snapshots/{snapshot_id}": {
        "GET": snapshots.show_snapshot,
        "PUT": snapshots.on_snapshot,
        "DELETE": snapshots.delete_snapshot,
    },
    "/snapshots/{snapshot_id}/action": routed("POST", to=snapshots.snapshot_action),
    "/snapshots/{snapshot_id}/metadata": routed("GET", "POST", "PUT", to=snapshots.on_snapshot),
    "/snapshots/{snapshot_id}/metadata/{key}": routed(
        "GET", "PUT", "DELETE", to=snapshots.on_snapshot
    ),
}

BACKUPS: dict[str, dict[str, Handler]] = {
    "/backups": {"GET": backups.list_backups, "POST": backups.create_backup},
    "/backups/detail": {"GET": backups.list_backups_detail},
    "/backups/import_record": {"POST": backups.import_backup_record},
    "/backups/{backup_id}": {
        "GET": backups.show_backup,
        "PUT": backups.on_backup,
        "DELETE": backups.delete_backup,
    },
    "/backups/{backup_id}/restore": {"POST": backups.restore_backup},
    "/backups/{backup_id}/export_record": routed("GET", to=backups.on_backup),
    "/backups/{backup_id}/action": routed("POST", to=backups.backup_action),
}

TYPES: dict[str, dict[str, Handler]] = {
    "/types": {"GET": types.list_types, "POST": types.create_type},
    "/types/{type_id}": {
        "GET": types.show_type,
        "PUT": types.update_type,
        "DELETE": types.delete_type,
    },
    "/types/{type_id}/action": {"POST": types.type_action},
    "/types/{type_id}/os-volume-type-access": {"GET": types.list_type_access},
    "/types/{type_id}/extra_specs": {"GET": types.list_extra_specs, "POST": types.set_extra_specs},
    "/types/{type_id}/extra_specs/{key}": {
        "GET": types.show_extra_spec,
        "PUT": types.update_extra_spec,
        "DELETE": types.delete_extra_spec,
    },
    "/types/{type_id}/encryption": {
        "GET": types.show_encryption,
        "POST": types.create_encryption,
    },
    "/types/{type_id}/encryption/{key}": {
        "GET": types.show_encryption_key,
        "PUT": types.update_encryption,
        "DELETE": types.delete_encryption,
    },
}

QOS_SPECS: dict[str, dict[str, Handler]] = {
    "/qos-specs": {"GET": qos_specs.list_specs, "POST": qos_specs.create_specs},
    "/qos-specs/{specs_id}": {
        "GET": qos_specs.show_specs,
        "PUT": qos_specs.update_specs,
        "DELETE": qos_specs.delete_specs,
    },
    "/qos-specs/{specs_id}/associations": member_action("GET", qos_specs.associations),
    "/qos-specs/{specs_id}/associate": member_action("GET", qos_specs.associate),
    "/qos-specs/{specs_id}/disassociate": member_action("GET", qos_specs.disassociate),
    "/qos-specs/{specs_id}/disassociate_all": member_action("GET", qos_specs.disassociate_all),
    "/qos-specs/{specs_id}/delete_keys": member_action("PUT", qos_specs.delete_keys),
}

GROUPS: dict[str, dict[str, Handler]] = {
    "/group_types": {"GET": groups.list_group_types, "POST": groups.create_group_type},
    "/group_types/{group_type_id}": {
        "GET": groups.show_group_type,
        "PUT": groups.update_group_type,
        "DELETE": groups.delete_group_type,
    },
    "/group_types/{group_type_id}/group_specs": {
        "GET": groups.list_group_specs,
        "POST": groups.create_group_specs,
    },
    "/group_types/{group_type_id}/group_specs/{key}": {
        "GET": groups.show_group_spec,
        "PUT": groups.update_group_spec,
        "DELETE": groups.delete_group_spec,
    },
    "/groups": {"GET": groups.list_groups, "POST": groups.create_group},
    "/groups/detail": {"GET": groups.list_groups_detail},
    "/groups/action": {"POST": groups.create_group_from_source},
    "/groups/{group_id}": {"GET": groups.show_group, "PUT": groups.update_group},
    "/groups/{group_id}/action": {"POST": groups.group_action},
    "/group_snapshots": {
        "GET": groups.list_group_snapshots,
        "POST": groups.create_group_snapshot,
    },
    "/group_snapshots/detail": {"GET": groups.list_group_snapshots_detail},
    "/group_snapshots/{group_snapshot_id}": {
        "GET": groups.show_group_snapshot,
        "DELETE": groups.on_group_snapshot,
    },
    "/group_snapshots/{group_snapshot_id}/action": {"POST": groups.on_group_snapshot},
}

QUOTAS_AND_ZONES: dict[str, dict[str, Handler]] = {
    "/limits": {"GET": quotas.limits},
    "/os-quota-sets/{project_id}": routed("GET", "PUT", "DELETE", to=quotas.quota_set),
    "/os-quota-sets/{project_id}/defaults": {"GET": quotas.quota_set_defaults},
    "/os-quota-class-sets/{class_name}": routed("GET", "PUT", to=quotas.quota_class_set),
    "/os-availability-zone": {"GET": zones.list_zones},
    "/os-availability-zone/detail": {"GET": zones.list_zones},
}

# What Cinder serves that Tricircle passes to the first pod as it came.
SERVICES_ACTIONS = (
    "enable",
    "disable",
    "disable-log-reason",
    "get-log",
    "set-log",
    "freeze",
    "thaw",
    "failover_host",
)
TRANSFERS = ("/volume-transfers", "/os-volume-transfer")
PASSED_ON: dict[str, dict[str, Handler]] = {
    "/": routed("GET"),
    "/extensions": routed("GET"),
    "/extensions/{alias}": routed("GET"),
    "/os-services": routed("GET"),
    **{f"/os-services/{action}": routed("PUT") for action in SERVICES_ACTIONS},
    "/os-hosts": routed("GET"),
    "/os-hosts/{host_name}": routed("GET", "PUT"),
    "/scheduler-stats/get_pools": routed("GET"),
    "/capabilities/{host_name}": routed("GET"),
    "/clusters": routed("GET"),
    "/clusters/detail": routed("GET"),
    "/clusters/enable": routed("PUT"),
    "/clusters/disable": routed("PUT"),
    "/clusters/{cluster_name}": routed("GET"),
    "/messages": routed("GET"),
    "/messages/{message_id}": routed("GET", "DELETE"),
    "/workers/cleanup": routed("POST"),
    "/resource_filters": routed("GET"),
    "/default-types": routed("GET"),
    "/default-types/{project_id}": routed("GET", "PUT", "DELETE"),
    "/attachments": routed("GET", "POST"),
    "/attachments/detail": routed("GET"),
    "/attachments/{attachment_id}": routed("GET", "PUT", "DELETE"),
    "/attachments/{attachment_id}/action": routed("POST"),
    **{
        path: routes
        for transfers in TRANSFERS
        for path, routes in {
            transfers: routed("GET", "POST"),
            f"{transfers}/detail": routed("GET"),
            f"{transfers}/{{transfer_id}}": routed("GET", "DELETE"),
            f"{transfers}/{{transfer_id}}/accept": routed("POST"),
        }.items()
    },
    **{
        path: routes
        for manageable in ("manageable_volumes", "manageable_snapshots")
        for path, routes in {
            f"/{manageable}": routed("GET", "POST"),
            f"/{manageable}/detail": routed("GET"),
        }.items()
    },
    "/os-volume-manage": routed("GET", "POST"),
    "/os-volume-manage/detail": routed("GET"),
    "/os-snapshot-manage": routed("GET", "POST"),
    "/os-snapshot-manage/detail": routed("GET"),
    "/consistencygroups": routed("GET", "POST"),
    "/consistencygroups/detail": routed("GET"),
    "/consistencygroups/create_from_src": routed("POST"),
    "/consistencygroups/{group_id}": routed("GET"),
    "/consistencygroups/{group_id}/update": routed("PUT"),
    "/consistencygroups/{group_id}/delete": routed("POST"),
    "/cgsnapshots": routed("GET", "POST"),
    "/cgsnapshots/detail": routed("GET"),
    "/cgsnapshots/{cgsnapshot_id}": routed("GET", "DELETE"),
}

ROUTES = RouteTable(
    {
        **VOLUMES,
        **SNAPSHOTS,
        **BACKUPS,
        **TYPES,
        **QOS_SPECS,
        **GROUPS,
        **QUOTAS_AND_ZONES,
        **PASSED_ON,
    }
)
