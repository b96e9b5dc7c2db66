"""The CPU one call to a pod costs in Tricircle's process, by HTTP client: what the choice of the
client layer is decided by.

    .venv/bin/python bench/bench_pod_client.py [--calls 100] [--rounds 5]

Needs the lab (`python3.11 tests/lab/lab.py up`). The same GET of Pod1's Nova (`/flavors/detail`,
with the demo user's token) is made --calls times per round by each client, the clients taking
turns round after round, all in this one process; the CPU per call (time.process_time, so the
kernel's share of the sockets too) and the wall time per call are taken per round, and the
median over rounds is printed:

- `tricircle`: `gateway.proxy.call` on the pod's keystoneauth Session from `pods.clients` (the
  gateway's forwarding: keystoneauth, requests, urllib3, http.client);
- `keystoneauth`: a keystoneauth Session's `request` as the forwarding makes it;
- `requests`: a `requests.Session` (environment not read, as the pods' sessions);
- `urllib3`: a `urllib3.PoolManager`;
- `http.client`: the standard library's connection, one per call (the lab's pods close each
  connection after the answer, so no client reuses one).

Each line: `client NAME: CPU X ms/call, wall Y ms/call (median of R rounds of N calls)`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.lab.http_client import user_session  # noqa: E402
from tests.lab.lab import lab_paths  # noqa: E402


def clients(url: str, token: str) -> dict[str, Callable[[], bytes]]:
    """Each client's one call of `url`, answering the body."""
    import requests
    import urllib3
    from keystoneauth1 import session as ks_session

    from gateway.proxy import Upstream, call
    from pods.clients import ClientRegistry

    headers = {"X-Auth-Token": token, "Accept": "application/json"}
    parts = urlsplit(url)
    base, path = f"{parts.scheme}://{parts.netloc}", parts.path
    registry = ClientRegistry()
    upstream = Upstream(
        session=registry.session("Pod1"),
        base_url=base,
        name="Nova of Pod1",
        public_url="http://gateway.test",
        region="Pod1",
        api_name="compute",
    )
    keystoneauth = ks_session.Session(app_name="tricircle")
    keystoneauth.session.trust_env = False
    plain = requests.Session()
    plain.trust_env = False
    pool = urllib3.PoolManager()

    def with_http_client() -> bytes:
        connection = http.client.HTTPConnection(parts.netloc, timeout=30)
        try:
            connection.request("GET", path, headers=headers)
            return connection.getresponse().read()
        finally:
            connection.close()

    return {
        "tricircle": lambda: call(upstream, "GET", path, dict(headers)).content,
        "keystoneauth": lambda: (
            keystoneauth.request(
                url,
                "GET",
                headers=headers,
                authenticated=False,
                raise_exc=False,
                connect_retries=0,
                log=False,
            ).content
        ),
        "requests": lambda: plain.get(url, headers=headers).content,
        "urllib3": lambda: pool.request("GET", url, headers=headers, retries=False).data,
        "http.client": with_http_client,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    lab = json.loads((lab_paths().root / "lab.json").read_text())
    work = Path(tempfile.mkdtemp(prefix="bench-pod-client-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
    os.environ.setdefault("TRICIRCLE_VAR_DIR", str(work))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tricircle_site.settings")
    import django

    django.setup()

    demo = user_session(lab, "demo")
    nova = demo.get_endpoint(service_type="compute", region_name="Pod1", interface="public")
    url = f"{nova.rstrip('/')}/flavors/detail"
    token = demo.get_token()
    assert token is not None
    calls = clients(url, token)
    for one in calls.values():
        assert b"flavors" in one(), "Pod1's Nova did not list its flavors"

    cpu: dict[str, list[float]] = {name: [] for name in calls}
    wall: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(args.rounds):
        for name, one in calls.items():
            cpu_started, wall_started = time.process_time(), time.perf_counter()
            for _ in range(args.calls):
                one()
            cpu[name].append((time.process_time() - cpu_started) * 1000 / args.calls)
            wall[name].append((time.perf_counter() - wall_started) * 1000 / args.calls)
    print(f"GET {url} from one process, {args.calls} calls per round")
    for name in calls:
        print(
            f"client {name}: CPU {statistics.median(cpu[name]):.2f} ms/call, wall "
            f"{statistics.median(wall[name]):.2f} ms/call (median of {args.rounds} rounds of "
            f"{args.calls} calls)"
        )


if __name__ == "__main__":
    main()
