"""Tempest conformance: the same selection of Tempest API tests against the lab's top region
(Tricircle) and, as the reference, against Pod1 directly.

    .venv/bin/python bench/conformance.py [--groups compute,volume,network] [--timeout S]

Needs the lab (`python3.11 tests/lab/lab.py up`). Installs Tempest from PyPI (with the lab's
OpenStack constraints) into its own venv under conformance/ in the lab's data folder, once;
starts its own Tricircle on 127.0.0.1:19999 (as the lab tests do); writes one Tempest
workspace per region whose tempest.conf names the region (Tempest then finds every endpoint in
the Keystone catalog: CentralRegion's are Tricircle's); runs the groups' tests in both; prints
per group passed / failed / skipped through Tricircle and directly, then every test that passes
directly but fails through Tricircle. Tempest's dynamic credentials make a project and user per
test class (admin of the lab)."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.lab.http_client import user_session  # noqa: E402
from tests.lab.lab import lab_paths  # noqa: E402
from tests.lab.tricircle_server import TricircleServer  # noqa: E402

TEMPEST = "tempest==47.0.0"
# Every API test of the three services; what the lab cannot run is turned off by the feature
# flags of tempest_conf(), the same for both regions, never by naming tests.
GROUPS = ("compute", "volume", "network")
RESULT = re.compile(
    r"^\{\d+\} (?:setUpClass \()?(tempest\.\S+?)\)?(?:\[[^\]]*\])?(?: \[[\d.]+s\])? \.\.\. "
    r"(ok|FAILED|SKIPPED)"
)


def newest_microversions(lab: dict) -> dict[str, str]:
    """The newest compute and volume microversions every pod offers (what the top region
    offers too): Tempest's `latest` would run tests of versions the lab's release lacks."""
    newest: dict[str, list[tuple[int, ...]]] = {"compute": [], "volume": []}
    for pod in lab["pods"]:
        nova = requests.get(pod["nova_url"], timeout=30).json()["version"]
        newest["compute"].append(version_tuple(nova["version"]))
        cinder_root = pod["cinder_url"].rsplit("/v3", 1)[0]
        (cinder,) = [
            v for v in requests.get(cinder_root, timeout=30).json()["versions"] if v["id"] == "v3.0"
        ]
        newest["volume"].append(version_tuple(cinder["version"]))
    return {api: ".".join(map(str, min(found))) for api, found in newest.items()}


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def tempest_conf(
    lab: dict, region: str, network_extensions: list[str], microversions: dict[str, str]
) -> str:
    """One configuration for both regions but the region's name. What the lab lacks: no
    cinder-backup, no L3 or DHCP agent (so no external network: floating IP tests skip), one
    compute host per pod (no live or cold migration), no console proxy, no key manager
    (no encrypted volumes), no metadata service or guest to log into (no validation)."""
    admin = lab["users"]["admin"]
    return f"""[DEFAULT]
log_file = tempest.log
[auth]
admin_username = admin
admin_password = {admin["password"]}
admin_project_name = {admin["project"]}
admin_domain_name = Default
use_dynamic_credentials = true
create_isolated_networks = true
[identity]
uri_v3 = {lab["keystone_url"]}
auth_version = v3
region = {region}
[identity-feature-enabled]
api_v2 = false
[compute]
region = {region}
image_ref = {lab["image_id"]}
image_ref_alt = {lab["image_id"]}
flavor_ref = 1
flavor_ref_alt = 2
build_timeout = 120
max_microversion = {microversions["compute"]}
[compute-feature-enabled]
console_output = true
resize = true
live_migration = false
cold_migration = false
vnc_console = false
spice_console = false
serial_console = false
attach_encrypted_volume = false
metadata_service = false
change_password = false
[network]
region = {region}
project_network_cidr = 10.100.0.0/16
[network-feature-enabled]
ipv6 = false
# no L3 agent and so no external network in the lab: no floating IPs, no auto-allocation
floating_ips = false
api_extensions = {",".join(network_extensions)}
[volume]
region = {region}
max_microversion = {microversions["volume"]}
catalog_type = volumev3
build_timeout = 120
# what the lab's backend (Cinder's fake driver) reports; types asking for it schedule there
storage_protocol = fake
vendor_name = Open Source
[volume-feature-enabled]
backup = false
manage_volume = false
manage_snapshot = false
[validation]
run_validation = false
# no floating IPs in the lab (tests that make validation resources ask for them otherwise)
connect_method = fixed
[service_available]
nova = true
cinder = true
neutron = true
glance = true
swift = false
horizon = false
"""


def install(home: Path) -> Path:
    tempest = home / "venv" / "bin" / "tempest"
    if not tempest.exists():
        subprocess.run([sys.executable, "-m", "venv", str(home / "venv")], check=True)
        constraints = REPO / "tests" / "lab" / "uc-2026.1.txt"
        subprocess.run(
            [str(home / "venv" / "bin" / "pip"), "install", "-q", TEMPEST, "-c", str(constraints)],
            check=True,
            timeout=900,
        )
    return tempest


def network_extensions(lab: dict, regions: list[str]) -> list[str]:
    """The Network API extensions every region's catalog endpoint offers (Tempest would
    otherwise assume all of them)."""
    session = user_session(lab, "admin")
    offered = [
        {
            extension["alias"]
            for extension in session.get(
                "/v2.0/extensions",
                endpoint_filter={"service_type": "network", "region_name": region},
            ).json()["extensions"]
        }
        for region in regions
    ]
    # Auto-allocation needs an external network, which the lab does not have.
    return sorted(set.intersection(*offered) - {"auto-allocated-topology"})


def workspace(
    tempest: Path,
    home: Path,
    lab: dict,
    region: str,
    extensions: list[str],
    microversions: dict[str, str],
) -> Path:
    path = home / f"ws-{region}"
    if not (path / ".stestr.conf").exists():
        # `tempest init` registers the workspace by name and refuses it a second time.
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run(
            [str(tempest), "init", "--name", f"tricircle-{region}-{time.time_ns()}", str(path)],
            check=True,
            capture_output=True,
        )
    conf = tempest_conf(lab, region, extensions, microversions)
    (path / "etc" / "tempest.conf").write_text(conf)
    return path


def run(
    tempest: Path, path: Path, groups: list[str], timeout: float, only: str = ""
) -> dict[str, str]:
    """Each test's outcome (ok / FAILED / SKIPPED); a class whose setup failed counts as one.
    The groups run as one Tempest run (no group waits for the other region's previous one);
    its output goes to run.log as it comes; a run past its timeout is stopped and counted as
    far as it got."""
    log_path = path / "run.log"
    selection = rf"^tempest\.api\.({'|'.join(groups)})\." + (f".*({only})" if only else "")
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(tempest), "run", "--concurrency", "2", "--regex", selection],
            cwd=path,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
            log.write(f"\n(stopped after {timeout:g} s)\n")
    outcomes: dict[str, str] = {}
    for line in log_path.read_text(errors="replace").splitlines():
        match = RESULT.match(line)
        if match:
            outcomes[match.group(1)] = match.group(2)
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", default=",".join(GROUPS))
    parser.add_argument("--timeout", type=float, default=5400.0, help="seconds for the run")
    parser.add_argument(
        "--only",
        default="",
        help="a regular expression of test names: re-checks a few tests (the conformance "
        "figures are those of a run without it)",
    )
    args = parser.parse_args()
    home = lab_paths().root / "conformance"
    home.mkdir(parents=True, exist_ok=True)
    lab = json.loads((lab_paths().root / "lab.json").read_text())
    tempest = install(home)
    regions = {"tricircle": lab["top_region"], "direct": lab["pods"][0]["region_name"]}
    # Tempest expects what it makes without a zone to share one zone, as in a cloud with a
    # default_availability_zone: give Tricircle one.
    os.environ["TRICIRCLE_DEFAULT_AVAILABILITY_ZONE"] = lab["pods"][0]["az_name"]
    server = TricircleServer(lab)
    server.start()
    groups = args.groups.split(",")
    try:
        extensions = network_extensions(lab, list(regions.values()))
        microversions = newest_microversions(lab)
        spaces = {
            side: workspace(tempest, home, lab, region, extensions, microversions)
            for side, region in regions.items()
        }
        # Both regions at once (each Tempest run makes its own projects): half the wall time.
        with ThreadPoolExecutor(max_workers=len(spaces)) as pool:
            runs = {
                side: pool.submit(run, tempest, spaces[side], groups, args.timeout, args.only)
                for side in spaces
            }
            outcomes = {side: outcome.result() for side, outcome in runs.items()}
    finally:
        server.stop()
    # tempest.api.<group>.…
    results = {
        group: {
            side: {t: o for t, o in by_test.items() if t.split(".")[2] == group}
            for side, by_test in outcomes.items()
        }
        for group in groups
    }

    print(f"\nTempest ({TEMPEST}) conformance, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(
        f"| group | through Tricircle ({regions['tricircle']}) | directly ({regions['direct']}) |"
    )
    print("|---|---|---|")
    regressions = []
    for group, sides in results.items():
        cells = []
        for side in ("tricircle", "direct"):
            outcomes = list(sides[side].values())
            cells.append(
                f"{outcomes.count('ok')} passed / {outcomes.count('FAILED')} failed / "
                f"{outcomes.count('SKIPPED')} skipped"
            )
        print(f"| {group} | {cells[0]} | {cells[1]} |")
        regressions += [
            test
            for test, outcome in sides["direct"].items()
            if outcome == "ok" and sides["tricircle"].get(test) != "ok"
        ]
    print("\nPassing directly, failing through Tricircle:")
    for test in sorted(regressions) or ["(none)"]:
        print(f"- {test}")


if __name__ == "__main__":
    main()
