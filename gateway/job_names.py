"""The names of the compute gateway's job types: a leaf, so the modules that request jobs need
not import gateway.job_types, which imports them to register the handlers."""

FLAVOR_SYNC = "flavor_sync"
KEYPAIR_CLEANUP = "keypair_cleanup"
SERVER_PORTS_RELEASE = "server_ports_release"
POD_AUDIT = "pod_audit"
