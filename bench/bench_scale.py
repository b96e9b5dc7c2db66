"""Scale run: list latency and memory of Tricircle's list code with many light simulated pods.

    .venv/bin/python bench/bench_scale.py [--pods 2,8,32,128] [--rounds 20] [--servers-per-pod 5]

The lab can run two real pods; this shows how a merged GET /servers/detail grows with more.
Pod1's real answers (its Nova `/servers/detail` and version document) are recorded once from
the lab into bench/ of the lab's data folder (a server is booted directly in Pod1 for the
recording if the demo project has none there) and served by a few local HTTP processes, one
port per simulated pod, each pod's servers with ids of its own. The gateway's list code
(gateway.collections.list_across_pods over pods.fanout.gather, the same thread pool and
deadline as in gunicorn) runs in this process against them; prints, per pod count, the list's
p50/p95 latency, Tricircle's own time p50/p99 (the list's time less the time spent waiting on
pods, as the gateway's Server-Timing counts it: a tricircle_site.timing.RequestTiming around
each list), the pods' time p50, the items merged, and this process's RSS after the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PODS_PER_PROCESS = 32  # a few light processes rather than 128 interpreters (~15 MiB each)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def server_timing(header: str) -> dict[str, float]:
    """`pod;dur=12.3, tricircle;dur=1.4, ...` -> {"pod": 12.3, "tricircle": 1.4, ...}"""
    entries = {}
    for item in header.split(","):
        name, _, duration = item.strip().partition(";dur=")
        if duration:
            entries[name] = float(duration)
    return entries


def rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def record(lab: dict[str, Any], path: Path) -> dict[str, Any]:
    """Pod1's real answers, as the demo user sees them."""
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3

    auth = v3.Password(
        auth_url=lab["keystone_url"],
        username="demo",
        password="secret",
        project_name="demo",
        user_domain_name="Default",
        project_domain_name="Default",
    )
    session = ks_session.Session(auth=auth)
    headers = {"X-Auth-Token": session.get_token(), "X-OpenStack-Nova-API-Version": "2.37"}
    nova = lab["pods"][0]["nova_url"]

    def get(url: str) -> dict[str, Any]:
        answer: dict[str, Any] = session.get(url, headers=headers, authenticated=False).json()
        return answer

    detail = get(f"{nova}/servers/detail")
    booted = None
    if not detail["servers"]:
        # An empty list would measure nothing: boot one real server for the recording.
        body = {
            "server": {
                "name": "bench-scale-recording",
                "flavorRef": "1",
                "imageRef": lab["image_id"],
                "networks": "none",
            }
        }
        response = session.post(f"{nova}/servers", json=body, headers=headers, authenticated=False)
        booted = response.json()["server"]["id"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = get(f"{nova}/servers/{booted}")["server"]["status"]
            if status in {"ACTIVE", "ERROR"}:
                break
            time.sleep(0.5)
        detail = get(f"{nova}/servers/detail")
    recording = {"servers_detail": detail, "version": get(nova), "nova_url": nova}
    if booted:
        session.delete(f"{nova}/servers/{booted}", headers=headers, authenticated=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(recording))
    return recording


def serve(count: int, recording_path: Path, servers_per_pod: int) -> None:
    """Child process: `count` simulated pods on free ports; prints the ports, serves forever."""
    recording = json.loads(recording_path.read_text())
    recorded = recording["servers_detail"]["servers"]
    version = json.dumps(recording["version"]).encode()

    def handler_for(port: int) -> type[BaseHTTPRequestHandler]:
        # Each pod's servers get ids of their own, so the merge sees distinct items.
        servers = []
        for n in range(servers_per_pod):
            item = dict(recorded[n % len(recorded)])
            item["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{port}/{n}"))
            item["name"] = f"{item.get('name', 'server')}-{port}-{n}"
            servers.append(item)
        detail = json.dumps({"servers": servers}).encode()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Nova behind uwsgi/apache
            # Headers and body go out in two writes: without this, Nagle and the client's
            # delayed ACK add 40 ms to every answer, which a real Nova does not.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                path = self.path.split("?")[0].rstrip("/")
                body = detail if path.endswith("/servers/detail") else version
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    servers = []
    for _ in range(count):
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
        httpd.RequestHandlerClass = handler_for(httpd.server_address[1])
        httpd.daemon_threads = True
        servers.append(httpd)
        Thread(target=httpd.serve_forever, daemon=True).start()
    print(json.dumps([httpd.server_address[1] for httpd in servers]), flush=True)
    sys.stdin.read()  # until the parent closes our stdin (or dies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pods", default="2,8,32,128")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--servers-per-pod", type=int, default=5)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--recording",
        type=Path,
        help="Pod1's recorded answers to serve (default: bench/pod1-nova-recorded.json in the "
        "lab's data folder, recorded from the lab the first time)",
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.recording, args.servers_per_pod)
        return

    recording_path = args.recording
    if recording_path is None:
        from tests.lab.lab import lab_paths

        lab_dir = lab_paths().root
        recording_path = lab_dir / "bench" / "pod1-nova-recorded.json"
        if not recording_path.exists():
            record(json.loads((lab_dir / "lab.json").read_text()), recording_path)

    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
    os.environ.setdefault("TRICIRCLE_VAR_DIR", str(work))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tricircle_site.settings")
    import django

    django.setup()
    from django.conf import settings
    from keystoneauth1 import session as ks_session

    from gateway.collections import list_across_pods
    from gateway.compute.servers import SERVERS
    from gateway.proxy import Upstream
    from pods.models import Pod
    from tricircle_site import timing

    counts = [int(part) for part in args.pods.split(",")]
    children: list[subprocess.Popen[str]] = []
    ports: list[int] = []
    try:
        while len(ports) < max(counts):
            batch = min(PODS_PER_PROCESS, max(counts) - len(ports))
            child = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--serve",
                    str(batch),
                    "--recording",
                    recording_path,
                    "--servers-per-pod",
                    str(args.servers_per_pod),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            children.append(child)
            assert child.stdout is not None
            ports += json.loads(child.stdout.readline())
        sim_rss = sum(rss_mib(child.pid) for child in children)
        print(
            f"{len(ports)} simulated pods in {len(children)} processes ({sim_rss:.0f} MiB RSS), "
            f"{args.servers_per_pod} servers each; fan-out {settings.FANOUT_WORKERS} threads, "
            f"{time.strftime('%Y-%m-%d')}"
        )
        print(
            f"{'pods':>5} {'items':>6} {'p50 ms':>8} {'p95 ms':>8} {'own p50':>8} {'own p99':>8} "
            f"{'pods p50':>9} {'RSS MiB':>8}"
        )
        pods = [Pod(region_name=f"Sim{n}", az_name=f"simaz{n}") for n in range(len(ports))]
        upstreams = {
            pod: Upstream(
                session=ks_session.Session(),  # one per pod, as the gateway's per-region ones
                base_url=f"http://127.0.0.1:{port}/v2.1",
                name=f"Nova of {pod.region_name}",
                public_url="http://127.0.0.1:19999/compute/v2.1",
                region=pod.region_name,
                api_name="compute",
            )
            for pod, port in zip(pods, ports, strict=True)
        }
        headers = {"X-Auth-Token": "simulated", "X-OpenStack-Nova-API-Version": "2.37"}
        for count in counts:
            chosen = pods[:count]
            times: list[float] = []
            own: list[float] = []
            waited: list[float] = []
            items = 0
            for _ in range(args.rounds + 1):
                request_timing = timing.RequestTiming()
                token = timing.current.set(request_timing)
                try:
                    merged = list_across_pods(
                        SERVERS, chosen, upstreams.__getitem__, headers, {}, None, None, None
                    )
                finally:
                    timing.current.reset(token)
                entries = server_timing(request_timing.header())
                times.append((time.perf_counter() - request_timing.started) * 1000)
                own.append(entries["tricircle"])
                waited.append(entries["pod"])
                if merged.unavailable:
                    raise RuntimeError(f"simulated pods failed: {merged.unavailable}")
                items = len(merged.items)
            # the first round opens the connections
            times, own, waited = times[1:], own[1:], waited[1:]
            print(
                f"{count:>5} {items:>6} {statistics.median(times):>8.1f} "
                f"{percentile(times, 0.95):>8.1f} {statistics.median(own):>8.1f} "
                f"{percentile(own, 0.99):>8.1f} {statistics.median(waited):>9.1f} "
                f"{rss_mib():>8.0f}",
                flush=True,
            )
    finally:
        for child in children:
            if child.stdin:
                child.stdin.close()
            child.terminate()
            child.wait(timeout=10)


if __name__ == "__main__":
    main()
