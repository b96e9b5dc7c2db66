"""A boot's preparations that need nothing of each other (the top ports, the flavor and the key
pair copied into the pod, the copies in the pod the ports' copies need) are made at once, then
the ports' copies; top ports made for a boot that cannot go on are released."""

import threading

import pytest

from gateway.services import boot
from gateway.services.ports import TopPorts
from tests.conftest import DEMO_PROJECT
from tricircle_site.auth import KeystoneIdentity
from tricircle_site.exceptions import ServiceUnavailable

# Other threads open connections of their own: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

CALLER = KeystoneIdentity(
    user_id="demo-user", project_id=DEMO_PROJECT, token="t", roles=frozenset({"member"})
)


NETWORK = "9d4ef1a4-3b4e-4a43-9a6b-2c4f6f0e8a11"


@pytest.fixture
def copies(monkeypatch):
    """The ports' copies in the pod, made after the preparations."""
    monkeypatch.setattr(boot.server_ports, "bottom_ports", lambda pod, project, ids, bodies: ["c"])


@pytest.fixture
def all_at_once(monkeypatch, copies):
    """Each preparation waits until all four have started: done one by one, they time out."""
    barrier = threading.Barrier(4, timeout=5)

    def waits(result):
        def call(*args, **kwargs):
            barrier.wait()
            return result

        return call

    made = TopPorts()
    made.add({"id": "top-port"}, made=True)
    monkeypatch.setattr(boot, "caller_top_ports", waits(made))
    monkeypatch.setattr(boot.flavors, "ensure_flavor_in_pod", waits(None))
    monkeypatch.setattr(boot.keypairs, "keypair_in_pod", waits(None))
    monkeypatch.setattr(boot, "copies_ahead", waits(None))


def test_ports_flavor_key_pair_and_copies_ahead_are_prepared_at_once(all_at_once):
    server = {"key_name": "mine", "networks": [{"uuid": NETWORK}]}
    ports = boot.prepare_in_pod(CALLER, server, object(), object())
    assert (ports.ids, ports.made, ports.copies) == (["top-port"], {"top-port"}, ["c"])


@pytest.fixture
def released(monkeypatch) -> list[tuple]:
    """One top port made, nothing else prepared; what is released is recorded."""
    made = TopPorts()
    made.add({"id": "p"}, made=True)
    monkeypatch.setattr(boot, "caller_top_ports", lambda caller, server, groups: made)
    monkeypatch.setattr(boot, "copies_ahead", lambda *args: None)
    monkeypatch.setattr(boot.flavors, "ensure_flavor_in_pod", lambda *args: None)
    monkeypatch.setattr(boot.server_ports, "bottom_ports", lambda *args: ["c"])
    calls: list[tuple] = []
    monkeypatch.setattr(boot, "release", lambda *args: calls.append(args))
    return calls


def pod_down(*args):
    raise ServiceUnavailable("Pod1 is not answering.")


@pytest.mark.parametrize(
    "failing", [(boot.flavors, "ensure_flavor_in_pod"), (boot.server_ports, "bottom_ports")]
)
def test_ports_of_a_boot_whose_flavor_or_port_copies_cannot_be_made_are_released(
    monkeypatch, released, failing
):
    monkeypatch.setattr(*failing, pod_down)
    with pytest.raises(ServiceUnavailable):
        boot.prepare_in_pod(CALLER, {"networks": [{"uuid": NETWORK}]}, object(), object())
    assert released == [(DEMO_PROJECT, ["p"], {"p"})]
