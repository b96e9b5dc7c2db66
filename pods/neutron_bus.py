"""A pod's Neutron reached through its message bus (oslo.messaging, the pod's transport URL):
what Neutron's API does not offer. Today one thing: the VXLAN tunnel endpoints of the other
pods, which each pod's ML2 only learns from its own agents (the `tunnel_sync` RPC they call at
start, answered by the ML2 plugin on topic q-plugin, which records the endpoint and fans
`tunnel_update` out to the pod's agents) and forgets through `tunnel_delete` to its agents.

Casts, not calls: a cast gives up after `retry` reconnections, while a call's reply listener
reconnects without bound when the bus is down (oslo.messaging), which would hold a job for
ever. Nothing is lost by not waiting for the answer: the job sends every endpoint again on
each run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from pods.models import Pod
from tricircle_site.exceptions import ServiceUnavailable

# Neutron's own names (neutron_lib.agent.topics, neutron.plugins.ml2.rpc); Neutron sets its
# control exchange to "neutron".
EXCHANGE = "neutron"
PLUGIN_TOPIC = "q-plugin"
TUNNEL_DELETE_TOPIC = "q-agent-notifier-tunnel-delete"
# What the ML2 server deserialises into its admin context (neutron_lib.context.from_dict).
ADMIN_CONTEXT = {"is_admin": True, "user_id": None, "project_id": None, "roles": ["admin"]}
SEND_RETRIES = 1


class NeutronBus(Protocol):
    def tunnel_sync(self, tunnel_ip: str, tunnel_type: str, host: str) -> None: ...

    def tunnel_delete(self, tunnel_ip: str, tunnel_type: str) -> None: ...


class _OsloBus:
    """NeutronBus over an oslo.messaging RPC client (untyped: Any)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def tunnel_sync(self, tunnel_ip: str, tunnel_type: str, host: str) -> None:
        # What an OVS agent sends at start (neutron.agent.rpc.PluginApi.tunnel_sync).
        self._client.cast(
            ADMIN_CONTEXT, "tunnel_sync", tunnel_ip=tunnel_ip, tunnel_type=tunnel_type, host=host
        )

    def tunnel_delete(self, tunnel_ip: str, tunnel_type: str) -> None:
        # What the ML2 server casts to its agents when an endpoint goes (AgentNotifierApi).
        fanout = self._client.prepare(topic=TUNNEL_DELETE_TOPIC, fanout=True)
        fanout.cast(ADMIN_CONTEXT, "tunnel_delete", tunnel_ip=tunnel_ip, tunnel_type=tunnel_type)


@contextmanager
def neutron_bus(pod: Pod) -> Iterator[NeutronBus]:
    """The pod's Neutron over its message bus; ServiceUnavailable when the pod has no transport
    URL or its bus does not take a message."""
    if not pod.transport_url:
        raise ServiceUnavailable(f"Pod {pod.region_name} has no transport URL.")
    # Imported here: oslo.messaging brings eventlet and its option registry into the process,
    # which only the workers running this job need (not every gateway process).
    import oslo_messaging
    from amqp.exceptions import AMQPError
    from kombu.exceptions import KombuError
    from oslo_config import cfg

    # The global option registry: oslo.messaging registers some of its options (tracing) on it
    # alone. Nothing of Tricircle reads oslo.config options; the defaults serve.
    transport = oslo_messaging.get_rpc_transport(cfg.CONF, url=pod.transport_url)
    try:
        target = oslo_messaging.Target(topic=PLUGIN_TOPIC, exchange=EXCHANGE, version="1.0")
        client = oslo_messaging.get_rpc_client(transport, target, retry=SEND_RETRIES)
        yield _OsloBus(client)
    # The rabbit driver lets kombu's and amqp's own errors out (connection or login refused).
    except (oslo_messaging.MessagingException, KombuError, AMQPError, OSError) as exc:
        raise ServiceUnavailable(f"The message bus of {pod.region_name}: {exc}") from exc
    finally:
        transport.cleanup()
