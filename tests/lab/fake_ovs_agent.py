"""A stand-in for neutron-openvswitch-agent, run by the lab with the lab venv's Python.

There is no Open vSwitch on the lab machine, but the real ML2 `openvswitch` mechanism driver only
binds a port to a host when an "Open vSwitch agent" of that host is alive, and a port only goes
ACTIVE when an agent reports its device up. This process speaks Neutron's agent RPC to do exactly
that, so that Nova's fake virt driver gets bound, ACTIVE ports like on a real cloud:

- it reports its state every REPORT_INTERVAL seconds (bridge mapping physnet1, tunnel type vxlan);
- when the server casts `port_update` for a port bound to its host, it reports the device up.

Usage: python fake_ovs_agent.py --config-file neutron.conf --agent-host <nova-compute host>
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

import oslo_messaging
from neutron.agent import rpc as agent_rpc
from neutron.common import config as common_config
from neutron.conf.agent import common as agent_conf
from neutron_lib import context as n_context
from neutron_lib import rpc as n_rpc
from neutron_lib.agent import topics
from oslo_config import cfg
from oslo_log import log as logging

REPORT_INTERVAL = 30  # seconds; Neutron declares an agent dead after agent_down_time (75 s)

LOG = logging.getLogger("fake_ovs_agent")


def agent_state(host: str) -> dict[str, Any]:
    """The state report a real OVS agent with a physnet1 bridge and vxlan tunnels would send."""
    return {
        "binary": "neutron-openvswitch-agent",
        "host": host,
        "topic": topics.AGENT,
        "agent_type": "Open vSwitch agent",
        "start_flag": True,
        "configurations": {
            "bridge_mappings": {"physnet1": "br-physnet1"},
            "tunnel_types": ["vxlan"],
            "integration_bridge": "br-int",
            "datapath_type": "system",
            "ovs_hybrid_plug": False,
            "tunneling_ip": "127.0.0.1",
            "l2_population": False,
            "devices": 0,
        },
    }


class AgentEndpoint:
    """Receives the agent notifications; only port updates for our host matter."""

    target = oslo_messaging.Target(version="1.7")

    def __init__(self, host: str, plugin_rpc: agent_rpc.PluginApi) -> None:
        self.host = host
        self.agent_id = f"fake-ovs-{host}"
        self.plugin_rpc = plugin_rpc
        self.context = n_context.get_admin_context_without_session()

    def port_update(self, context: Any, **kwargs: Any) -> None:
        port = kwargs.get("port") or {}
        if (
            port.get("binding:host_id") == self.host
            and port.get("status") != "ACTIVE"
            and port.get("admin_state_up", True)
        ):
            # Answer from another thread: a blocking RPC call inside an RPC callback would stall
            # the consumer.
            threading.Thread(target=self._device_up, args=(port["id"],), daemon=True).start()

    def _device_up(self, port_id: str) -> None:
        try:
            result = self.plugin_rpc.update_device_list(
                self.context, [port_id], [], self.agent_id, self.host
            )
            LOG.info("device %s up: %s", port_id, result)
        except Exception:
            LOG.exception("update_device_list failed for %s", port_id)

    # The other notifications a real agent subscribes to need no action here.
    def port_delete(self, context: Any, **kwargs: Any) -> None:
        pass

    def network_update(self, context: Any, **kwargs: Any) -> None:
        pass

    def security_groups_rule_updated(self, context: Any, **kwargs: Any) -> None:
        pass

    def security_groups_member_updated(self, context: Any, **kwargs: Any) -> None:
        pass

    def security_groups_provider_updated(self, context: Any, **kwargs: Any) -> None:
        pass


def main(argv: list[str]) -> None:
    common_config.register_common_config_options()
    agent_conf.register_agent_state_opts_helper(cfg.CONF)
    cfg.CONF.register_cli_opt(cfg.StrOpt("agent-host", required=True, help="nova-compute host"))
    common_config.init(argv)
    common_config.setup_logging()
    host: str = cfg.CONF.agent_host

    n_rpc.init(cfg.CONF)
    plugin_rpc = agent_rpc.PluginApi(topics.PLUGIN)
    state_rpc = agent_rpc.PluginReportStateAPI(topics.REPORTS)
    agent_rpc.create_consumers(
        [AgentEndpoint(host, plugin_rpc)],
        topics.AGENT,
        [
            [topics.PORT, topics.UPDATE],
            [topics.PORT, topics.UPDATE, host],
            [topics.PORT, topics.DELETE],
            [topics.NETWORK, topics.UPDATE],
            [topics.SECURITY_GROUP, topics.UPDATE],
        ],
    )

    state = agent_state(host)
    context = n_context.get_admin_context_without_session()
    while True:
        try:
            state_rpc.report_state(context, state)
            state.pop("start_flag", None)
        except Exception:
            LOG.exception("report_state failed")
        time.sleep(REPORT_INTERVAL)


if __name__ == "__main__":
    main(sys.argv[1:])
