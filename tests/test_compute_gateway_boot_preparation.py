"""A boot's preparations that need nothing of each other (the top ports, the flavor and the key
pair copied into the pod) are made at once; top ports made for a boot that cannot go on are
released."""

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


@pytest.fixture
def all_at_once(monkeypatch):
    """Each preparation waits until all three have started: done one by one, they time out."""
    barrier = threading.Barrier(3, timeout=5)

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


def test_ports_flavor_and_key_pair_are_prepared_at_once(all_at_once):
    server = {"key_name": "mine", "networks": [{"uuid": "n"}]}
    ports = boot.prepare_in_pod(CALLER, server, object(), object())
    assert (ports.ids, ports.made) == (["top-port"], {"top-port"})


def test_ports_made_for_a_boot_whose_flavor_cannot_be_copied_are_released(monkeypatch):
    released = []
    made = TopPorts()
    made.add({"id": "p"}, made=True)
    monkeypatch.setattr(boot, "caller_top_ports", lambda caller, server: made)

    def pod_down(*args):
        raise ServiceUnavailable("Nova of Pod1 is not answering.")

    monkeypatch.setattr(boot.flavors, "ensure_flavor_in_pod", pod_down)
    monkeypatch.setattr(boot, "release", lambda *args: released.append(args))
    with pytest.raises(ServiceUnavailable):
        boot.prepare_in_pod(CALLER, {"networks": [{"uuid": "n"}]}, object(), object())
    assert released == [(DEMO_PROJECT, ["p"], {"p"})]
