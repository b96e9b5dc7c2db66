import cProfile, pstats, uuid
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pods.models import Pod
from tests.factories import RoutingFactory

pytestmark = pytest.mark.django_db

def test_prof_list(demo, novas, settings):
    settings.NAME_CACHE_SECONDS = 60
    for name, fake in novas.items():
        pod = Pod.objects.get(region_name=name)
        for n in range(50):
            sid = str(uuid.uuid4())
            fake.add(sid, f"vm{n}", f"2026-01-01T00:00:{n:02}Z", tenant_id="demo-project", addresses={}, security_groups=[])
            RoutingFactory(top_id=sid, pod=pod, resource_type="server", project_id="demo-project")
    r = demo.get("/compute/v2.1/servers/detail")
    assert len(r.json()["servers"]) == 100, r.content[:300]
    with CaptureQueriesContext(connection) as ctx:
        demo.get("/compute/v2.1/servers/detail")
    for q in ctx.captured_queries:
        print(q["sql"][:200])
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(50):
        demo.get("/compute/v2.1/servers/detail")
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(30)
