"""The Network API's routes: the resources Tricircle adds meaning to, declared with the methods
Neutron takes on them (any other is Neutron's 405 there too); the version documents; and the
rest of `/v2.0` (Neutron's many extensions), passed to the central Neutron as it came."""

from __future__ import annotations

from gateway.network import (
    floatingips,
    networks,
    ports,
    routers,
    security_groups,
    subnets,
)
from gateway.network.forwarded import forward
from gateway.routes import Handler, RouteTable

# Every method a client may send: the central Neutron answers what it does not take.
ANY_METHOD: dict[str, Handler] = {
    method: forward for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
}
# What a router takes as its own actions (PUT /v2.0/routers/{id}/{action}).
ROUTER_ACTIONS = (
    "add_router_interface",
    "remove_router_interface",
    "add_extraroutes",
    "remove_extraroutes",
)

ROUTES = RouteTable(
    {
        # The version list (no token needed) and the v2.0 document.
        "/": {"GET": forward},
        "/v2.0": {"GET": forward},
        "/v2.0/": {"GET": forward},
        "/v2.0/networks": {"GET": networks.list_networks, "POST": networks.create_networks},
        "/v2.0/networks/{network_id}": {
            "GET": networks.show_network,
            "PUT": forward,
            "DELETE": networks.delete_network,
        },
        "/v2.0/subnets": {"GET": forward, "POST": subnets.create_subnets},
        "/v2.0/subnets/{subnet_id}": {
            "GET": forward,
            "PUT": forward,
            "DELETE": subnets.delete_subnet,
        },
        "/v2.0/ports": {"GET": forward, "POST": forward},
        "/v2.0/ports/{port_id}": {
            "GET": forward,
            "PUT": ports.update_port,
            "DELETE": ports.delete_port,
        },
        "/v2.0/routers": {"GET": routers.list_routers, "POST": routers.create_routers},
        "/v2.0/routers/{router_id}": {
            "GET": routers.show_router,
            "PUT": routers.change_router,
            "DELETE": routers.delete_router,
        },
        **{
            f"/v2.0/routers/{{router_id}}/{action}": {"PUT": routers.change_router}
            for action in ROUTER_ACTIONS
        },
        "/v2.0/floatingips": {"GET": forward, "POST": floatingips.create_floatingips},
        "/v2.0/floatingips/{floatingip_id}": {
            "GET": forward,
            "PUT": floatingips.change_floatingip,
            "DELETE": floatingips.change_floatingip,
        },
        "/v2.0/security-groups": {"GET": forward, "POST": forward},
        "/v2.0/security-groups/{security_group_id}": {
            "GET": forward,
            "PUT": forward,
            "DELETE": security_groups.delete_security_group,
        },
        "/v2.0/security-group-rules": {"GET": forward, "POST": security_groups.create_rules},
        "/v2.0/security-group-rules/{rule_id}": {
            "GET": forward,
            "PUT": forward,
            "DELETE": security_groups.delete_rule,
        },
        # Everything else of the v2.0 API: the central Neutron's own business.
        "/v2.0/{rest:path}": ANY_METHOD,
    }
)
