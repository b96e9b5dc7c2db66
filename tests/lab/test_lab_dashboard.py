"""The operator dashboard in a real browser (Debian's headless Chromium driven by Playwright)
against the real Tricircle and the real lab: log in with the lab's Keystone admin, see both pods
healthy, draw a network spanning two pods, redo a failed job and watch it succeed. Each page's
screenshot goes to var/screenshots/."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.lab.tricircle_server import REPO, TricircleServer

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]'")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = REPO / "var" / "screenshots"
# Every wait in the browser is bounded, so a broken page fails in seconds, not minutes.
STEP_TIMEOUT_MS = 30_000
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium, installed with apt-get when missing (never `playwright install`:
    no browser download from the internet)."""
    if not CHROMIUM.exists():
        if shutil.which("apt-get") is None:
            pytest.fail("chromium is missing and apt-get is not available to install it")
        subprocess.run(
            ["apt-get", "install", "-y", "chromium"],
            check=True,
            capture_output=True,
            timeout=900,
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def context(browser: Any, tricircle: TricircleServer, lab: dict[str, Any]) -> Iterator[Any]:
    """One browser session, logged in through /login with the lab's admin."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=LAPTOP)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{tricircle.url}/dashboard/")
    # Not logged in: the dashboard sends the browser to /login, which brings it back.
    page.wait_for_url("**/login?next=/dashboard/")
    shot(page, "login")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(lab["users"]["admin"]["password"])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{tricircle.url}/dashboard/")
    page.close()
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    page = context.new_page()
    try:
        yield page
    finally:
        page.close()


def shot(page: Any, name: str) -> Path:
    path = SCREENSHOTS / f"dashboard-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="module")
def admin_token(openstack: Any) -> str:
    return openstack("lab-admin", "token", "issue")["id"]


def api(tricircle: TricircleServer, token: str, method: str, path: str, body: Any = None) -> Any:
    """The admin API with a real Keystone token."""
    request = urllib.request.Request(
        f"{tricircle.url}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"X-Auth-Token": token, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{method} {path}: {error.code} {error.read()[:500]!r}") from error
    return json.loads(raw) if raw else None


def test_login_then_both_lab_pods_are_healthy(page, tricircle, lab):
    page.goto(f"{tricircle.url}/dashboard/")
    page.get_by_role("button", name="Check health now").click()
    page.get_by_text("Pod health checked.").wait_for()
    for pod in lab["pods"]:
        row = page.locator(f'tr[data-pod="{pod["region_name"]}"]')
        playwright_api.expect(row.locator("[data-health]")).to_have_attribute("data-health", "up")
        playwright_api.expect(row).to_contain_text("ms")
        playwright_api.expect(page.locator("caption", has_text=pod["az_name"])).to_be_visible()
    shot(page, "overview")
    # The same page at a phone's width: nothing wider than the screen but the scrolling tables.
    page.set_viewport_size(PHONE)
    page.reload()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    shot(page, "overview-phone")


def test_onboarding_page_runs_the_real_checks(page, tricircle):
    page.goto(f"{tricircle.url}/dashboard/pods/new")
    page.get_by_label("Keystone region").fill("Atlantis")
    page.get_by_label("Availability zone", exact=True).fill("az9")
    page.get_by_role("button", name="Check and onboard").click()
    playwright_api.expect(page.get_by_role("alert")).to_contain_text(
        "Atlantis is not a Keystone region"
    )
    shot(page, "onboard")


@pytest.fixture
def spanning_network(openstack, tricircle) -> Iterator[dict]:
    """A top network with AZ hints az1 and az2, a subnet, and one port materialised in each pod
    by the real materialisation code, run in the lab Tricircle's own environment."""
    name = f"dash-{uuid.uuid4().hex[:8]}"
    net = openstack(
        "lab-demo",
        "network",
        "create",
        name,
        "--availability-zone-hint",
        "az1",
        "--availability-zone-hint",
        "az2",
    )
    ports = []
    try:
        openstack(
            "lab-demo",
            "subnet",
            "create",
            name,
            "--network",
            net["id"],
            "--subnet-range",
            "10.31.0.0/24",
        )
        for region in ("Pod1", "Pod2"):
            port = openstack("lab-demo", "port", "create", f"{name}-{region}", "--network", name)
            ports.append((region, port))
        code = (
            "from networking import bottom\n"
            "from pods.models import Pod\n"
            "pods = {pod.region_name: pod for pod in Pod.objects.all()}\n"
            + "".join(
                f"print(bottom.ensure_port(pods[{region!r}], {port['id']!r}, "
                f"{port['project_id']!r}))\n"
                for region, port in ports
            )
        )
        result = tricircle.manage("shell", "-c", code, check=False)
        assert result.returncode == 0, result.stderr[-2000:]
        yield net
    finally:
        for _, port in ports:
            openstack.run("lab-demo", "port", "delete", port["id"])
        openstack.run("lab-demo", "network", "delete", net["id"])


def test_topology_draws_a_network_spanning_two_pods(page, tricircle, spanning_network):
    net = spanning_network
    page.goto(f"{tricircle.url}/dashboard/topology")
    svg = page.locator("svg#topology")
    playwright_api.expect(svg.locator("title#topology-title")).to_have_count(1)
    node = svg.locator(f'a[data-id="{net["id"]}"]')
    playwright_api.expect(node).to_have_count(1)
    # Named from the central Neutron, and drawn materialised in both pods.
    playwright_api.expect(node.locator("text.res-label")).to_have_text(net["name"])
    playwright_api.expect(node).to_have_attribute(
        "aria-label", f"network {net['name']} ({net['id']}), materialised in Pod1, Pod2"
    )
    for region in ("Pod1", "Pod2"):
        playwright_api.expect(svg.locator(f'g.pod[data-pod="{region}"]')).to_have_count(1)
    box = node.bounding_box()
    assert box and box["width"] > 50, "the network is drawn with a visible size"
    shot(page, "topology")
    node.click()
    page.wait_for_url(f"**/dashboard/topology?resource={net['id']}#details")
    details = page.locator("#details")
    playwright_api.expect(details).to_contain_text("Routing entries")
    for region in ("Pod1", "Pod2"):
        playwright_api.expect(details.locator("td", has_text=region).first).to_be_visible()
    playwright_api.expect(details).to_contain_text("az1, az2")
    shot(page, "topology-selected")


@pytest.fixture
def failing_sync_job(openstack, tricircle, admin_token, pod_neutrons) -> Iterator[dict]:
    """A real security_group_sync job that fails for a real reason: the routing table says Pod1
    holds a copy of the group under an id that Pod1's Neutron does not know, so the copy of the
    rules is refused. `fix()` makes the copy real and points the entry at it."""
    name = f"dash-{uuid.uuid4().hex[:8]}"
    group = openstack("lab-demo", "security", "group", "create", name)
    openstack(
        "lab-demo",
        *("security", "group", "rule", "create", group["id"]),
        *("--protocol", "tcp", "--dst-port", "2223"),
    )
    project = group["project_id"]
    pods = api(tricircle, admin_token, "GET", "/v1.0/pods")["pods"]
    pod1 = next(pod for pod in pods if pod["region_name"] == "Pod1")
    routing = api(
        tricircle,
        admin_token,
        "POST",
        "/v1.0/routings",
        {
            "routing": {
                "top_id": group["id"],
                "bottom_id": str(uuid.uuid4()),
                "pod_id": pod1["id"],
                "project_id": project,
                "resource_type": "security_group",
            }
        },
    )["routing"]
    job = api(
        tricircle,
        admin_token,
        "POST",
        "/v1.0/jobs",
        {
            "job": {
                "type": "security_group_sync",
                "project_id": project,
                "resource": {"security_group_id": group["id"]},
            }
        },
    )["job"]
    made: list[str] = []

    def fix() -> str:
        bottom = pod_neutrons["Pod1"].api.post(
            "/security-groups",
            json={"security_group": {"name": group["id"], "project_id": project}},
        )
        bottom_id = bottom.json()["security_group"]["id"]
        made.append(bottom_id)
        api(
            tricircle,
            admin_token,
            "PATCH",
            f"/v1.0/routings/{routing['id']}",
            {"routing": {"bottom_id": bottom_id}},
        )
        return bottom_id

    try:
        yield {"job": job, "group": group, "fix": fix}
    finally:
        # Deleting the top group through Tricircle removes the bottom copy and the entry.
        openstack.run("lab-demo", "security", "group", "delete", group["id"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            left = api(tricircle, admin_token, "GET", f"/v1.0/routings?top_id={group['id']}")
            if not left["routings"]:
                break
            time.sleep(1)
        else:
            api(tricircle, admin_token, "DELETE", f"/v1.0/routings/{routing['id']}")
            for bottom_id in made:
                pod_neutrons["Pod1"].api.delete(f"/security-groups/{bottom_id}")


def wait_for_failure_with_time_to_spare(
    tricircle: TricircleServer, token: str, job_id: str, spare: float = 5.0
) -> dict:
    """The job FAIL with its automatic retry at least `spare` seconds away (retries back off:
    2, 4, 8 s on the lab's Tricircle), so the operator's redo, not a retry, is what runs it
    after the fix."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = api(tricircle, token, "GET", f"/v1.0/jobs/{job_id}")["job"]
        if job["status"] == "FAIL":
            due = job.get("next_run_at")
            if due is None:
                return job
            seconds = (datetime.fromisoformat(due.replace("Z", "+00:00")) - _now()).total_seconds()
            if seconds >= spare:
                return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not settle in FAIL: {job}")


def _now() -> datetime:
    return datetime.now(UTC)


def test_redo_a_failed_job_and_watch_it_succeed(
    page, tricircle, admin_token, failing_sync_job, pod_neutrons
):
    job_id = failing_sync_job["job"]["id"]
    failed = wait_for_failure_with_time_to_spare(tricircle, admin_token, job_id)
    assert "does not exist" in failed["last_error"] or "not found" in failed["last_error"].lower()
    # The failure is on the overview and in the filtered list.
    page.goto(f"{tricircle.url}/dashboard/")
    playwright_api.expect(page.locator(f'a[href="/dashboard/jobs/{job_id}"]')).to_be_visible()
    page.goto(f"{tricircle.url}/dashboard/jobs?status=FAIL&type=security_group_sync")
    row = page.locator(f'tr[data-job="{job_id}"]')
    playwright_api.expect(row).to_have_attribute("data-status", "FAIL")
    shot(page, "jobs")
    row.get_by_role("link").click()
    page.wait_for_url(f"**/dashboard/jobs/{job_id}")
    status = page.locator("#job-status [data-status]")
    playwright_api.expect(status).to_have_text("FAIL")
    playwright_api.expect(page.get_by_label("Error text")).to_contain_text("NeutronError")
    shot(page, "job-failed")
    bottom_id = failing_sync_job["fix"]()
    page.get_by_role("button", name="Redo").click()
    playwright_api.expect(page.get_by_role("status").first).to_contain_text("sent again")
    # No reload from here: the page's refresh script shows the worker's progress.
    playwright_api.expect(page.locator("#job-status [data-status]")).to_have_text(
        "SUCCESS", timeout=60_000
    )
    playwright_api.expect(page.locator("#job-status")).to_have_attribute("data-active", "false")
    shot(page, "job-succeeded")
    rules = pod_neutrons["Pod1"].get("/security-group-rules", security_group_id=bottom_id)
    assert any(rule["port_range_min"] == 2223 for rule in rules["security_group_rules"])
