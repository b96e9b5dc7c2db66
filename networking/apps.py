from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class NetworkingConfig(AppConfig):
    name = "networking"
    verbose_name = "Cross-pod networking"

    def ready(self) -> None:
        # A pod added, changed or deleted changes which tunnel endpoints the pods must know;
        # the pods app (below networking) cannot ask for networking's job, so it is told.
        from pods.models import Pod

        post_save.connect(_pod_saved, sender=Pod, dispatch_uid="networking-tunnels-pod-saved")
        post_delete.connect(_pod_deleted, sender=Pod, dispatch_uid="networking-tunnels-pod-deleted")


def _pod_saved(update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    # Imported when called: networking.tunnels imports models, which need the app registry.
    from networking import tunnels

    tunnels.pod_saved(update_fields)


def _pod_deleted(**kwargs: Any) -> None:
    # Imported when called, as above.
    from networking import tunnels

    tunnels.request_tunnel_sync()
