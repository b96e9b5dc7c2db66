"""`lab.py up --dataplane`: what the pods run (without starting anything). The default lab keeps
exactly its services; the data-plane lab swaps each pod's fake agent for its own Open vSwitch
and the real OVS and L3 agents, all in the pod's namespace."""

import configparser
from pathlib import Path

import pytest

from tests.lab import lab as lab_module


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> lab_module.Lab:
    monkeypatch.setenv("LAB_DIR", str(tmp_path / "lab"))
    monkeypatch.setenv("LAB_CACHE", str(tmp_path / "cache"))
    made = lab_module.Lab()
    made.paths.make()
    made.state.pods = 2
    made.state.db_mode = made.state.mq_mode = "shared"
    return made


def names(services: list[lab_module.Service]) -> list[str]:
    return [service.name for service in services]


def test_the_default_lab_runs_the_fake_agents_and_nothing_of_the_data_plane(lab) -> None:
    services = names(lab.all_services())
    assert "pod1-fake-ovs-agent" in services and "pod2-fake-ovs-agent" in services
    assert not [name for name in services if "ovs-" in name.replace("fake-ovs-agent", "")]
    assert lab_module.NETNS_FORWARDER not in services
    assert not [name for name in services if "l3-agent" in name]


def test_a_data_plane_pod_runs_its_ovs_and_the_real_agents_in_its_namespace(lab) -> None:
    lab.state.dataplane = True
    pod = lab_module.Pod(2)
    services = {service.name: service for service in lab.pod_services(pod)}
    assert "pod2-fake-ovs-agent" not in services
    for name in ("ovs-vswitchd", "ovs-agent", "l3-agent"):
        argv = services[f"pod2-{name}"].argv
        assert argv[:4] == ["ip", "netns", "exec", pod.netns]
    assert services["pod2-ovsdb-server"].argv[2] == f"--remote=p{lab.paths.ovsdb('pod2')}"
    # the L3 agent sees a /run/netns of its own
    assert str(lab.paths.private_netns("pod2")) in services["pod2-l3-agent"].argv
    forwarder = lab.forwarder_service()
    assert forwarder.argv[-4:] == ["--netns", lab_module.Pod(1).netns, "--netns", pod.netns]
    assert lab_module.NETNS_FORWARDER in names(lab.all_services())


def test_the_agents_configuration(lab) -> None:
    lab.state.dataplane = True
    pod = lab_module.Pod(1)
    ovs_ini, l3_ini = lab.config.dataplane_agents(pod)
    ovs, l3 = configparser.ConfigParser(), configparser.ConfigParser()
    ovs.read(ovs_ini)
    l3.read(l3_ini)
    assert ovs["DEFAULT"]["host"] == l3["DEFAULT"]["host"] == pod.compute_host
    assert ovs["ovs"]["datapath_type"] == l3["ovs"]["datapath_type"] == "netdev"
    assert ovs["ovs"]["local_ip"] == "198.18.0.1"
    assert ovs["ovs"]["bridge_mappings"] == "physnet1:br-physnet1"
    assert ovs["ovs"]["ovsdb_connection"] == lab.paths.ovsdb("pod1")
    assert ovs["agent"]["tunnel_types"] == "vxlan"
    assert ovs["securitygroup"]["firewall_driver"] == "openvswitch"
    assert l3["DEFAULT"]["interface_driver"] == "openvswitch"
    # the agents' folder is not the Neutron API's (whose whole folder is its configuration)
    assert ovs_ini.parent != lab.paths.etc / "pod1" / "neutron"
