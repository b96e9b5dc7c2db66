"""What Tricircle sends a pod's Neutron over its message bus (pods.neutron_bus): the messages
Neutron's own agents and ML2 server send, as casts; a bus that refuses is a 503."""

from __future__ import annotations

import oslo_messaging
import pytest
from kombu.exceptions import OperationalError

from pods.neutron_bus import neutron_bus
from tests.factories import PodFactory
from tricircle_site.exceptions import ServiceUnavailable

pytestmark = pytest.mark.django_db


class FakeClient:
    def __init__(self, log: list, options: dict) -> None:
        self.log, self.options = log, options

    def prepare(self, **options: object) -> FakeClient:
        return FakeClient(self.log, {**self.options, **options})

    def cast(self, context: dict, method: str, **kwargs: str) -> None:
        if self.options.get("refuse"):
            raise OperationalError("[Errno 111] Connection refused")
        self.log.append((self.options, context["is_admin"], method, kwargs))

    def call(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("a call's reply listener reconnects without bound: casts only")


@pytest.fixture
def sent(monkeypatch) -> list:
    log: list = []
    cleaned: list = []

    class Transport:
        def __init__(self, url: str) -> None:
            self.url = url

        def cleanup(self) -> None:
            cleaned.append(self.url)

    monkeypatch.setattr(oslo_messaging, "get_rpc_transport", lambda conf, url: Transport(url))

    def client(transport, target, retry=None):
        options = {"topic": target.topic, "exchange": target.exchange, "retry": retry}
        options["refuse"] = "refused" in transport.url
        return FakeClient(log, options)

    monkeypatch.setattr(oslo_messaging, "get_rpc_client", client)
    log.append(cleaned)
    return log


def test_tunnel_sync_and_delete_are_what_neutron_sends_itself(sent):
    pod = PodFactory(transport_url="rabbit://u:p@bus.test:5672/pod1")
    with neutron_bus(pod) as bus:
        bus.tunnel_sync("198.18.0.2", "vxlan", "Pod2:compute")
        bus.tunnel_delete("198.18.0.3", "vxlan")
    cleaned, sync, delete = sent
    assert sync[0]["topic"] == "q-plugin" and sync[0]["exchange"] == "neutron"
    assert sync[0]["retry"] == 1  # bounded: a bus that is down fails the job, not hangs it
    assert sync[1:] == (
        True,
        "tunnel_sync",
        {"tunnel_ip": "198.18.0.2", "tunnel_type": "vxlan", "host": "Pod2:compute"},
    )
    assert delete[0]["topic"] == "q-agent-notifier-tunnel-delete" and delete[0]["fanout"]
    assert delete[2:] == ("tunnel_delete", {"tunnel_ip": "198.18.0.3", "tunnel_type": "vxlan"})
    assert cleaned == ["rabbit://u:p@bus.test:5672/pod1"]


def test_a_refused_bus_or_none_is_service_unavailable(sent):
    pod = PodFactory(transport_url="rabbit://u:p@refused.test:5672/pod1")
    with pytest.raises(ServiceUnavailable, match="message bus"), neutron_bus(pod) as bus:
        bus.tunnel_sync("198.18.0.2", "vxlan", "Pod2:compute")
    assert sent[0] == ["rabbit://u:p@refused.test:5672/pod1"]  # the transport is let go
    with pytest.raises(ServiceUnavailable, match="no transport URL"), neutron_bus(PodFactory()):
        pass
