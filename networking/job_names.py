"""The names of networking's job types: a leaf, so the modules that request jobs need not import
networking.job_types, which imports them to register the handlers."""

BOTTOM_CLEANUP = "bottom_cleanup"
SECURITY_GROUP_SYNC = "security_group_sync"
PORT_SYNC = "port_sync"
BOOT_PORT_RELEASE = "boot_port_release"
ROUTER_SETUP = "router_setup"
SHADOW_PORTS_SYNC = "shadow_ports_sync"
TUNNEL_ENDPOINTS_SYNC = "tunnel_endpoints_sync"
SECURITY_GROUP_MEMBERS_SYNC = "security_group_members_sync"
