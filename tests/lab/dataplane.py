""" "VMs" without a hypervisor for the data-plane lab (`lab.py up --dataplane`).

A Neutron port is given a network namespace the way Nova's OVS VIF driver plugs a VM: an
internal port tap<port id[:11]> on the pod's integration bridge with external_ids iface-id
(the port id), attached-mac, iface-status=active and vm-uuid. The port's real OVS agent then
binds it (if the port is bound to the pod's host) and tags it with the network's local VLAN;
inside the namespace the device gets the port's MAC, its fixed IP (with the subnet's prefix)
and the subnet's gateway as default route.

Everything here runs as root with `ip`, `ovs-vsctl`, `ping` and python3: namespaces are named
<lab instance>-vm-..., <lab instance>-ext-... (`lab.py down` removes them all), and every probe
is bounded in count and time.

    plane = DataPlane(lab["dataplane"])
    vm = plane.plug("Pod1", port, subnet)          # port and subnet as Neutron shows them
    plane.wait_bound(vm)                            # the agent tagged the port
    plane.ping(vm, "10.0.0.5", count=1, timeout=1)
    plane.tcp_connect(vm, other_vm, 8080, timeout=3)
    seconds = plane.time_to(lambda: plane.ping(vm, ip), since=t0, timeout=60)
    plane.unplug(vm)
"""

from __future__ import annotations

import contextlib
import ipaddress
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROBE_INTERVAL = 0.5  # seconds between two tries while waiting for a first packet


class DataPlaneError(Exception):
    pass


def sh(*argv: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess:
    result = subprocess.run(
        list(argv), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    if check and result.returncode != 0:
        raise DataPlaneError(f"{' '.join(argv)}: {result.returncode}: {result.stderr.strip()}")
    return result


@dataclass
class Vm:
    """A namespace standing for a VM (or for the external side)."""

    netns: str
    device: str
    ip: str
    mac: str = ""
    pod: str = ""  # region; empty for the external side
    port_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.netns}({self.ip})"


class DataPlane:
    def __init__(self, facts: dict[str, Any]):
        if not facts:
            raise DataPlaneError("not a data-plane lab: run `lab.py up --dataplane`")
        self.facts = facts
        self.prefix: str = facts["namespace_prefix"]
        self.plugged: list[Vm] = []

    # ---- the pods' Open vSwitch

    def pod(self, region: str) -> dict[str, Any]:
        return self.facts["pods"][region]

    def vsctl(self, region: str, *args: str, check: bool = True) -> str:
        db = self.pod(region)["ovsdb"]
        return sh("ovs-vsctl", f"--db={db}", "--timeout=30", *args, check=check).stdout.strip()

    def in_ns(self, netns: str, *argv: str, check: bool = True, timeout: float = 30) -> Any:
        return sh("ip", "netns", "exec", netns, *argv, check=check, timeout=timeout)

    # ---- plugging

    def plug(self, region: str, port: dict[str, Any], subnet: dict[str, Any], mtu: int = 0) -> Vm:
        """A namespace for the port, plugged into the pod's integration bridge as Nova's OVS VIF
        driver would; its IP is the port's address on `subnet`."""
        (ip,) = [a["ip_address"] for a in port["fixed_ips"] if a["subnet_id"] == subnet["id"]]
        prefix = ipaddress.ip_network(subnet["cidr"]).prefixlen
        device = f"tap{port['id'][:11]}"
        netns = f"{self.prefix}vm-{port['id'][:8]}"
        pod = self.pod(region)
        self.remove_netns(netns)
        self.vsctl(region, "--if-exists", "del-port", device)
        sh("ip", "netns", "add", netns)
        vm = Vm(netns, device, ip, port["mac_address"], region, port["id"])
        self.plugged.append(vm)
        self.in_ns(netns, "ip", "link", "set", "lo", "up")
        self.vsctl(
            region,
            *("--", "add-port", pod["integration_bridge"], device),
            *("--", "set", "Interface", device, "type=internal"),
            f"external_ids:iface-id={port['id']}",
            "external_ids:iface-status=active",
            f"external_ids:attached-mac={port['mac_address']}",
            f"external_ids:vm-uuid={port.get('device_id') or port['id']}",
        )
        # ovs-vswitchd made the device in the pod's namespace: it moves into the VM's
        sh("ip", "-n", pod["netns"], "link", "set", device, "netns", netns)
        self.in_ns(netns, "ip", "link", "set", device, "address", port["mac_address"])
        if mtu:
            self.in_ns(netns, "ip", "link", "set", device, "mtu", str(mtu))
        self.in_ns(netns, "ip", "addr", "add", f"{ip}/{prefix}", "dev", device)
        self.in_ns(netns, "ip", "link", "set", device, "up")
        if subnet.get("gateway_ip"):
            self.in_ns(netns, "ip", "route", "replace", "default", "via", subnet["gateway_ip"])
        return vm

    def unplug(self, vm: Vm) -> None:
        if vm.pod:
            self.vsctl(vm.pod, "--if-exists", "del-port", vm.device, check=False)
        self.remove_netns(vm.netns)
        if vm in self.plugged:
            self.plugged.remove(vm)

    def external(self, name: str, address: str, gateway: str = "") -> Vm:
        """A namespace on physnet1 itself (the fabric's switch every pod's br-physnet1 joins):
        the outside world of a flat (untagged) external network on physnet1. `address` is
        ip/prefix. (No VLAN outside: this kernel has neither 802.1Q devices, nor VLAN filtering
        bridges, nor tc; VLAN segments still span the pods, tagged by their Open vSwitch.)"""
        fabric = self.facts["fabric_netns"]
        netns = f"{self.prefix}ext-{name}"
        outside = f"x-{name}"[:15]
        self.remove_netns(netns)
        sh("ip", "-n", fabric, "link", "del", outside, check=False)
        sh("ip", "netns", "add", netns)
        vm = Vm(netns, "eth0", address.split("/")[0], extra={"fabric_link": outside})
        self.plugged.append(vm)
        sh(
            *("ip", "-n", fabric, "link", "add", outside, "type", "veth"),
            *("peer", "name", "eth0", "netns", netns),
        )
        switch = self.facts["fabric_physnet_bridge"]
        sh("ip", "-n", fabric, "link", "set", outside, "master", switch, "up")
        self.in_ns(netns, "ip", "link", "set", "lo", "up")
        self.in_ns(netns, "ip", "link", "set", "eth0", "up")
        # Packets leave through a veth into a userspace switch: no checksum left to hardware.
        self.in_ns(netns, "ethtool", "-K", "eth0", "tx", "off", check=False)
        self.in_ns(netns, "ip", "addr", "add", address, "dev", "eth0")
        if gateway:
            self.in_ns(netns, "ip", "route", "replace", "default", "via", gateway)
        return vm

    def remove_netns(self, netns: str) -> None:
        if not netns.startswith(self.prefix):
            raise DataPlaneError(f"{netns} is not a namespace of this lab")
        if Path(f"/run/netns/{netns}").exists():
            sh("ip", "netns", "delete", netns, check=False)

    def cleanup(self) -> None:
        for vm in list(self.plugged):
            with contextlib.suppress(DataPlaneError, subprocess.TimeoutExpired):
                self.unplug(vm)
                if "fabric_link" in vm.extra:
                    fabric = self.facts["fabric_netns"]
                    sh("ip", "-n", fabric, "link", "del", vm.extra["fabric_link"], check=False)

    # ---- what the agent did

    def tag(self, vm: Vm) -> int | None:
        """The local VLAN the OVS agent gave the VM's port (None: not wired yet; 4095 is the
        agent's "dead" VLAN of a port it could not bind)."""
        out = self.vsctl(vm.pod, "--if-exists", "get", "Port", vm.device, "tag", check=False)
        return int(out) if out.isdigit() else None

    def tunnels(self, region: str) -> list[str]:
        """The remote IPs the pod's br-tun has VXLAN ports to."""
        found = []
        for port in self.vsctl(region, "list-ports", "br-tun").split():
            remote = self.vsctl(
                region, "--if-exists", "get", "Interface", port, "options:remote_ip", check=False
            )
            if remote:
                found.append(remote.strip('"'))
        return found

    def wait_bound(self, vm: Vm, timeout: float = 60) -> int:
        """Waits until the agent wired the port (a tag other than the dead VLAN)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            tag = self.tag(vm)
            if tag is not None and tag != 4095:
                return tag
            time.sleep(PROBE_INTERVAL)
        raise DataPlaneError(f"the OVS agent of {vm.pod} never tagged {vm.device} (tag {tag})")

    def wait_filtered(self, vm: Vm, timeout: float = 60) -> None:
        """Waits until the agent's openvswitch firewall took the port (a flow of table 60 sends
        the port's packets to the firewall's tables). The agent tags a port a moment before: in
        between, packets pass unfiltered, so a test of security groups waits for this."""
        ofport = self.vsctl(vm.pod, "get", "Interface", vm.device, "ofport")
        bridge = self.pod(vm.pod)["integration_bridge"]
        management = f"unix:{self.pod(vm.pod)['ovs_rundir']}/{bridge}.mgmt"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            flows = sh("ovs-ofctl", "dump-flows", management, f"table=60,in_port={ofport}").stdout
            if "resubmit(,71)" in flows:
                return
            time.sleep(PROBE_INTERVAL)
        raise DataPlaneError(f"no firewall flows for {vm.device} in {vm.pod} after {timeout}s")

    # ---- probes, all bounded

    def ping(self, src: Vm, dst_ip: str, count: int = 1, timeout: float = 1) -> bool:
        """True if one of `count` echo requests is answered, each waited for `timeout` s."""
        deadline = str(max(1, int(count * timeout + 0.999)))
        result = self.in_ns(
            src.netns,
            *("ping", "-n", "-q", "-c", str(count), "-W", str(timeout), "-w", deadline, dst_ip),
            check=False,
            timeout=count * timeout + 10,
        )
        return bool(result.returncode == 0)

    def tcp_connect(self, src: Vm, dst: Vm, port: int = 5001, timeout: float = 3) -> bool:
        """A TCP connection from src to dst's address (a one-shot listener in dst's namespace,
        ended after `timeout`), and a byte each way through it."""
        return self.tcp_connect_to(src, dst, dst.ip, port, timeout)

    def tcp_connect_to(
        self, src: Vm, listener: Vm, address: str, port: int = 5001, timeout: float = 3
    ) -> bool:
        """The same to `address` (say a floating IP that DNATs to listener's own)."""
        server = subprocess.Popen(
            [
                *("ip", "netns", "exec", listener.netns, "timeout", str(timeout + 2)),
                *("python3", "-c", LISTENER, listener.ip, str(port), str(timeout + 1)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert server.stdout is not None
            if server.stdout.readline().strip() != "ready":
                return False
            result = self.in_ns(
                src.netns,
                *("python3", "-c", CONNECTOR, address, str(port), str(timeout)),
                check=False,
                timeout=timeout + 5,
            )
            return bool(result.returncode == 0 and result.stdout.strip() == "pong")
        finally:
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=timeout + 5)
            if server.poll() is None:
                server.kill()
                server.wait()

    @staticmethod
    def time_to(check: Callable[[], bool], since: float, timeout: float = 90) -> float | None:
        """Seconds from `since` (time.monotonic()) to the first check() that succeeds; None if
        none does before `since + timeout`."""
        deadline = since + timeout
        while True:
            if check():
                return time.monotonic() - since
            if time.monotonic() > deadline:
                return None
            time.sleep(PROBE_INTERVAL)

    @staticmethod
    def stays_down(check: Callable[[], bool], seconds: float = 5) -> bool:
        """True if check() never succeeds during `seconds` (a flow that must be cut)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if check():
                return False
            time.sleep(PROBE_INTERVAL)
        return True


# A one-shot TCP listener: prints "ready", answers "pong" to the first client, ends in time.
LISTENER = """
import socket, sys
ip, port, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((ip, port)); s.listen(1); s.settimeout(limit); print("ready", flush=True)
try:
    c, _ = s.accept(); c.settimeout(limit)
    if c.recv(4) == b"ping": c.sendall(b"pong")
    c.close()
except OSError:
    pass
"""

CONNECTOR = """
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3]))
    c.sendall(b"ping"); print(c.recv(4).decode())
except OSError as e:
    print(e); sys.exit(1)
"""


# The ML2 server's tunnel_sync RPC, as an OVS agent calls it at start: records (tunnel IP, host)
# as a VXLAN endpoint in the pod's Neutron and tells every agent there (tunnel_update), which
# then makes a tunnel port to it. Run with the lab venv's Python and the pod's neutron.conf.
TUNNEL_SYNC = """
import sys
from neutron.agent import rpc as agent_rpc
from neutron.common import config as common_config
from neutron_lib import context, rpc as n_rpc
from neutron_lib.agent import topics
from oslo_config import cfg
common_config.register_common_config_options()
common_config.init(["--config-file", sys.argv[1]])
n_rpc.init(cfg.CONF)
api = agent_rpc.PluginApi(topics.PLUGIN)
admin = context.get_admin_context_without_session()
reply = api.tunnel_sync(admin, sys.argv[2], "vxlan", sys.argv[3])
print(sorted(e["ip_address"] for e in reply["tunnels"]))
"""


def register_tunnel_endpoint(lab: dict[str, Any], region: str, tunnel_ip: str, host: str) -> str:
    """Makes the pod's Neutron (and so its OVS agents) know a VXLAN endpoint of another pod:
    what each pod's Neutron cannot learn by itself (it knows its own agents only)."""
    key = region.lower()
    conf = Path(lab["lab_dir"]) / "etc" / key / "neutron" / "neutron.conf"
    python = str(Path(lab["venv"]) / "bin" / "python")
    result = sh(python, "-c", TUNNEL_SYNC, str(conf), tunnel_ip, host, timeout=120)
    return result.stdout.strip()


# The reverse, as the ML2 server does when an agent goes: the endpoint row leaves the pod's
# database and every agent there is told (tunnel_delete) to remove its tunnel port.
TUNNEL_DELETE = """
import sys
from neutron.common import config as common_config
from neutron_lib import context, rpc as n_rpc
from neutron_lib.agent import topics
from oslo_config import cfg
common_config.register_common_config_options()
common_config.init(["--config-file", sys.argv[1]])
n_rpc.init(cfg.CONF)
from neutron.objects.plugins.ml2 import vxlanallocation
from neutron.plugins.ml2 import rpc as ml2_rpc
admin = context.get_admin_context()
print(vxlanallocation.VxlanEndpoint.delete_objects(admin, ip_address=sys.argv[2]))
ml2_rpc.AgentNotifierApi(topics.AGENT).tunnel_delete(admin, sys.argv[2], "vxlan")
"""


def forget_tunnel_endpoint(lab: dict[str, Any], region: str, tunnel_ip: str) -> str:
    """Undoes register_tunnel_endpoint (a test leaves the pods as it found them)."""
    conf = Path(lab["lab_dir"]) / "etc" / region.lower() / "neutron" / "neutron.conf"
    python = str(Path(lab["venv"]) / "bin" / "python")
    return sh(python, "-c", TUNNEL_DELETE, str(conf), tunnel_ip, timeout=120).stdout.strip()
