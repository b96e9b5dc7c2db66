"""The top region's Placement (read side) with the real CLI (osc-placement): every pod's
resource providers, each provider's inventories, usages and traits as its own pod shows them.
Horizon's hypervisor pages and Nova's tools need a Placement in the region they use."""

from __future__ import annotations

from typing import Any

from tests.lab.cli import OpenStackCLI
from tests.lab.waiting import eventually


def providers(openstack: OpenStackCLI, region: str | None = None) -> dict[str, str]:
    rows = openstack("lab-admin", "resource", "provider", "list", region=region)
    return {row["uuid"]: row["name"] for row in rows}


def test_the_top_lists_every_pods_providers(lab: dict[str, Any], openstack: OpenStackCLI) -> None:
    top = providers(openstack)
    expected: dict[str, str] = {}
    for pod in lab["pods"]:
        expected.update(providers(openstack, pod["region_name"]))
    assert top == expected
    assert len(top) >= len(lab["pods"])


def read_at_a_quiet_moment(
    openstack: OpenStackCLI, pod: str, what: tuple[str, ...]
) -> tuple[Any, Any]:
    """`what` read through the top and in `pod`, until both agree (30 s at most): inventories
    and usages show what is allocated now, and the other lab tests boot and delete servers
    meanwhile, so two reads a moment apart may differ by one of theirs. A gateway that answers
    from the wrong provider never agrees."""
    reads: list[tuple[Any, Any]] = []

    def read_both() -> bool:
        reads.append((openstack("lab-admin", *what), openstack("lab-admin", *what, region=pod)))
        return reads[-1][0] == reads[-1][1]

    eventually(read_both, timeout=30, interval=0.5)
    return reads[-1]


def test_a_provider_reads_as_in_its_pod(lab: dict[str, Any], openstack: OpenStackCLI) -> None:
    pod = lab["pods"][-1]["region_name"]  # not the first pod asked
    (uuid, *_) = providers(openstack, pod)
    for what in (
        ("resource", "provider", "inventory", "list", uuid),
        ("resource", "provider", "usage", "show", uuid),
        ("resource", "provider", "trait", "list", uuid, "--os-placement-api-version", "1.6"),
    ):
        through_top, in_the_pod = read_at_a_quiet_moment(openstack, pod, what)
        assert through_top == in_the_pod


def test_a_member_is_refused_as_placement_refuses(openstack: OpenStackCLI) -> None:
    refused = openstack.run("lab-demo", "resource", "provider", "list")
    assert refused.returncode != 0
    assert "403" in refused.stderr or "Forbidden" in refused.stderr
