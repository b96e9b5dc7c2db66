"""Networking's periodic Celery task (found by the Celery app's autodiscovery): beat sends it
every settings.TUNNEL_SYNC_INTERVAL seconds (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from networking.tunnels import request_tunnel_sync


@shared_task(name="networking.sync_tunnel_endpoints")
def sync_tunnel_endpoints() -> None:
    """Agents come and go in the pods: a tunnel_endpoints_sync job reads them all again."""
    request_tunnel_sync()
