"""The Compute API's route table: every path Nova routes (nova/api/openstack/compute/routes.py)
with the methods Nova takes there. Tricircle's own families have handlers of their own; the
families it gives no meaning forward to the first pod (passthrough), a server's sub-resources to
the server's pod. Fixed segments come before the fields they would match."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.compute import (
    flavors,
    hosts,
    keypairs,
    passthrough,
    quotas,
    security_groups,
    server_interfaces,
    servers,
    tenant_networks,
    zones,
)
from gateway.routes import Handler, RouteTable

FIRST_POD = passthrough.on_first_pod
SERVER_POD = servers.on_server_pod


def first_pod(*methods: str) -> dict[str, Handler]:
    return dict.fromkeys(methods, FIRST_POD)


def server_pod(*methods: str) -> dict[str, Handler]:
    return dict.fromkeys(methods, SERVER_POD)


def proxy_api(methods: Mapping[str, Handler]) -> dict[str, Handler]:
    """The security group proxy APIs answer as Nova does: 404 for a method Nova does not
    route there (security_groups.not_routed)."""
    every = dict.fromkeys(("GET", "POST", "PUT", "PATCH", "DELETE"), security_groups.not_routed)
    return {**every, **methods}


SERVERS: dict[str, dict[str, Handler]] = {
    "/servers": {"GET": servers.list_servers, "POST": servers.create_server},
    "/servers/detail": {"GET": servers.list_servers_detail},
    "/servers/{server_id}": {
        "GET": servers.show_server,
        "PUT": SERVER_POD,
        "DELETE": servers.delete_server,
    },
    "/servers/{server_id}/action": {"POST": servers.server_action},
    "/servers/{server_id}/consoles": server_pod("GET", "POST"),
    "/servers/{server_id}/consoles/{console_id}": server_pod("GET", "DELETE"),
    "/servers/{server_id}/diagnostics": server_pod("GET"),
    "/servers/{server_id}/ips": {"GET": servers.server_ips},
    "/servers/{server_id}/ips/{network}": {"GET": servers.ips_of_network},
    "/servers/{server_id}/metadata": server_pod("GET", "POST", "PUT"),
    "/servers/{server_id}/metadata/{key}": server_pod("GET", "PUT", "DELETE"),
    "/servers/{server_id}/migrations": server_pod("GET"),
    "/servers/{server_id}/migrations/{migration_id}": server_pod("GET", "DELETE"),
    "/servers/{server_id}/migrations/{migration_id}/action": server_pod("POST"),
    "/servers/{server_id}/os-instance-actions": {"GET": servers.instance_actions},
    "/servers/{server_id}/os-instance-actions/{request_id}": {"GET": servers.instance_actions},
    "/servers/{server_id}/os-interface": {
        "GET": server_interfaces.list_interfaces,
        "POST": server_interfaces.attach_interface,
    },
    "/servers/{server_id}/os-interface/{port_id}": {
        "GET": server_interfaces.show_interface,
        "DELETE": server_interfaces.detach_interface,
    },
    "/servers/{server_id}/os-server-password": server_pod("GET", "DELETE"),
    "/servers/{server_id}/os-virtual-interfaces": server_pod("GET"),
    "/servers/{server_id}/os-volume_attachments": {
        "GET": SERVER_POD,
        "POST": servers.attach_volume,
    },
    "/servers/{server_id}/os-volume_attachments/{volume_id}": server_pod("GET", "PUT", "DELETE"),
    "/servers/{server_id}/remote-consoles": server_pod("POST"),
    "/servers/{server_id}/os-security-groups": {"GET": servers.server_security_groups},
    "/servers/{server_id}/shares": server_pod("GET", "POST"),
    "/servers/{server_id}/shares/{share_id}": server_pod("GET", "DELETE"),
    "/servers/{server_id}/tags": server_pod("GET", "PUT", "DELETE"),
    "/servers/{server_id}/tags/{tag}": server_pod("GET", "PUT", "DELETE"),
    "/servers/{server_id}/topology": server_pod("GET"),
    # Nova's os-volumes_boot is its servers controller under another name.
    "/os-volumes_boot": {"GET": servers.list_servers, "POST": servers.create_server},
    "/os-volumes_boot/detail": {"GET": servers.list_servers_detail},
    "/os-volumes_boot/{server_id}": {
        "GET": servers.show_server,
        "PUT": SERVER_POD,
        "DELETE": servers.delete_server,
    },
    "/os-volumes_boot/{server_id}/action": {"POST": servers.server_action},
}

FLAVORS: dict[str, dict[str, Handler]] = {
    "/flavors": {"GET": flavors.list_flavors, "POST": flavors.create_flavor},
    "/flavors/detail": {"GET": flavors.list_flavors_detail},
    "/flavors/{flavor_id}": {
        "GET": flavors.show_flavor,
        "PUT": flavors.update_flavor,
        "DELETE": flavors.delete_flavor,
    },
    "/flavors/{flavor_id}/action": {"POST": flavors.flavor_action},
    "/flavors/{flavor_id}/os-extra_specs": {
        "GET": flavors.list_extra_specs,
        "POST": flavors.set_extra_specs,
    },
    "/flavors/{flavor_id}/os-extra_specs/{key}": {
        "GET": flavors.show_extra_spec,
        "PUT": flavors.update_extra_spec,
        "DELETE": flavors.delete_extra_spec,
    },
    "/flavors/{flavor_id}/os-flavor-access": {"GET": flavors.flavor_access},
    "/os-keypairs": {"GET": keypairs.list_keypairs, "POST": keypairs.create_keypair},
    "/os-keypairs/{name}": {"GET": keypairs.show_keypair, "DELETE": keypairs.delete_keypair},
}

QUOTAS_AND_ZONES: dict[str, dict[str, Handler]] = {
    "/limits": {"GET": quotas.limits},
    "/os-quota-class-sets/{class_name}": {
        "GET": quotas.quota_class_set,
        "PUT": quotas.quota_class_set,
    },
    "/os-quota-sets/{project_id}": {
        "GET": quotas.quota_set,
        "PUT": quotas.quota_set,
        "DELETE": quotas.quota_set,
    },
    "/os-quota-sets/{project_id}/detail": {"GET": quotas.quota_set},
    "/os-quota-sets/{project_id}/defaults": {"GET": quotas.quota_set},
    "/os-availability-zone": {"GET": zones.list_zones},
    "/os-availability-zone/detail": {"GET": zones.list_zones_detail},
}

NETWORK_PROXIES: dict[str, dict[str, Handler]] = {
    "/os-security-groups": proxy_api(
        {"GET": security_groups.list_groups, "POST": security_groups.create_group}
    ),
    "/os-security-groups/{group_id}": proxy_api(
        {
            "GET": security_groups.show_group,
            "PUT": security_groups.update_group,
            "DELETE": security_groups.delete_group,
        }
    ),
    "/os-security-group-rules": proxy_api({"POST": security_groups.create_rule}),
    "/os-security-group-rules/{rule_id}": proxy_api({"DELETE": security_groups.delete_rule}),
    "/os-tenant-networks": {"GET": tenant_networks.list_networks, "POST": FIRST_POD},
    "/os-tenant-networks/{network_id}": {
        "GET": tenant_networks.show_network,
        "DELETE": FIRST_POD,
    },
}

HOSTS: dict[str, dict[str, Handler]] = {
    "/os-hypervisors": {"GET": hosts.list_hypervisors},
    "/os-hypervisors/detail": {"GET": hosts.list_hypervisors},
    "/os-hypervisors/statistics": {"GET": hosts.hypervisor_statistics},
    "/os-hypervisors/{hypervisor_id}": {"GET": hosts.on_hypervisor_pod},
    "/os-hypervisors/{hypervisor_id}/search": {"GET": hosts.on_hypervisor_pod},
    "/os-hypervisors/{hypervisor_id}/servers": {"GET": hosts.on_hypervisor_pod},
    "/os-hypervisors/{hypervisor_id}/uptime": {"GET": hosts.on_hypervisor_pod},
    "/os-services": {"GET": hosts.list_services},
    "/os-services/{service_id}": {"PUT": hosts.change_service, "DELETE": hosts.change_service},
    "/os-aggregates": {"GET": hosts.list_aggregates, "POST": FIRST_POD},
    "/os-aggregates/{aggregate_id}": first_pod("GET", "PUT", "DELETE"),
    "/os-aggregates/{aggregate_id}/action": first_pod("POST"),
    "/os-aggregates/{aggregate_id}/images": first_pod("POST"),
    "/os-simple-tenant-usage": {"GET": hosts.tenant_usages},
    "/os-simple-tenant-usage/{project_id}": {"GET": hosts.tenant_usages},
}

# Nova's other families: the first pod answers for the region.
FIRST_POD_FAMILIES: dict[str, dict[str, Handler]] = {
    "/versions/{version_id}": first_pod("GET"),
    "/extensions": first_pod("GET"),
    "/extensions/{alias}": first_pod("GET"),
    "/images": first_pod("GET"),
    "/images/detail": first_pod("GET"),
    "/images/{image_id}": first_pod("GET", "DELETE"),
    "/images/{image_id}/metadata": first_pod("GET", "POST", "PUT"),
    "/images/{image_id}/metadata/{key}": first_pod("GET", "PUT", "DELETE"),
    "/os-agents": first_pod("GET", "POST"),
    "/os-agents/{agent_id}": first_pod("PUT", "DELETE"),
    "/os-assisted-volume-snapshots": first_pod("POST"),
    "/os-assisted-volume-snapshots/{snapshot_id}": first_pod("DELETE"),
    "/os-baremetal-nodes": first_pod("GET", "POST"),
    "/os-baremetal-nodes/{node_id}": first_pod("GET", "DELETE"),
    "/os-baremetal-nodes/{node_id}/action": first_pod("POST"),
    "/os-cells": first_pod("GET", "POST"),
    "/os-cells/capacities": first_pod("GET"),
    "/os-cells/detail": first_pod("GET"),
    "/os-cells/info": first_pod("GET"),
    "/os-cells/sync_instances": first_pod("POST"),
    "/os-cells/{cell_id}": first_pod("GET", "PUT", "DELETE"),
    "/os-cells/{cell_id}/capacities": first_pod("GET"),
    "/os-certificates": first_pod("POST"),
    "/os-certificates/{certificate_id}": first_pod("GET"),
    "/os-cloudpipe": first_pod("GET", "POST"),
    "/os-cloudpipe/{cloudpipe_id}": first_pod("PUT"),
    "/os-console-auth-tokens/{token}": first_pod("GET"),
    "/os-fixed-ips/{address}": first_pod("GET"),
    "/os-fixed-ips/{address}/action": first_pod("POST"),
    "/os-floating-ip-dns": first_pod("GET"),
    "/os-floating-ip-dns/{domain}": first_pod("PUT", "DELETE"),
    "/os-floating-ip-dns/{domain}/entries/{entry}": first_pod("GET", "PUT", "DELETE"),
    "/os-floating-ip-pools": first_pod("GET"),
    "/os-floating-ips": first_pod("GET", "POST"),
    "/os-floating-ips/{floating_ip_id}": first_pod("GET", "DELETE"),
    "/os-floating-ips-bulk": first_pod("GET", "POST"),
    "/os-floating-ips-bulk/{floating_ip_id}": first_pod("GET", "PUT"),
    "/os-fping": first_pod("GET"),
    "/os-fping/{server_id}": first_pod("GET"),
    "/os-hosts": first_pod("GET"),
    "/os-hosts/{host}": first_pod("GET", "PUT"),
    "/os-hosts/{host}/reboot": first_pod("GET"),
    "/os-hosts/{host}/shutdown": first_pod("GET"),
    "/os-hosts/{host}/startup": first_pod("GET"),
    "/os-instance_usage_audit_log": first_pod("GET"),
    "/os-instance_usage_audit_log/{before}": first_pod("GET"),
    "/os-migrations": first_pod("GET"),
    "/os-networks": first_pod("GET", "POST"),
    "/os-networks/add": first_pod("POST"),
    "/os-networks/{network_id}": first_pod("GET", "DELETE"),
    "/os-networks/{network_id}/action": first_pod("POST"),
    "/os-security-group-default-rules": first_pod("GET", "POST"),
    "/os-security-group-default-rules/{rule_id}": first_pod("GET", "DELETE"),
    "/os-server-external-events": first_pod("POST"),
    "/os-server-groups": first_pod("GET", "POST"),
    "/os-server-groups/{group_id}": first_pod("GET", "DELETE"),
    "/os-snapshots": first_pod("GET", "POST"),
    "/os-snapshots/detail": first_pod("GET"),
    "/os-snapshots/{snapshot_id}": first_pod("GET", "DELETE"),
    "/os-volumes": first_pod("GET", "POST"),
    "/os-volumes/detail": first_pod("GET"),
    "/os-volumes/{volume_id}": first_pod("GET", "DELETE"),
}

ROUTES = RouteTable(
    {
        **SERVERS,
        **FLAVORS,
        **QUOTAS_AND_ZONES,
        **NETWORK_PROXIES,
        **HOSTS,
        **FIRST_POD_FAMILIES,
    }
)
