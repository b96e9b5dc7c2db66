"""The names of the compute gateway's job types: a leaf, so the modules that request jobs need
not import gateway.job_types, which imports them to register the handlers."""

FLAVOR_SYNC = "flavor_sync"
KEYPAIR_CLEANUP = "keypair_cleanup"
SERVER_PORTS_RELEASE = "server_ports_release"
POD_AUDIT = "pod_audit"
# After a volume, snapshot or backup was deleted: its routing entry goes once its pod let it go.
ROUTE_RELEASES = {
    "volumes": "volume_route_release",
    "snapshots": "snapshot_route_release",
    "backups": "backup_route_release",
}
