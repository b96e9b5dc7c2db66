"""The read side of the Placement API at the top region (`/placement`): what Nova's tools and
Horizon's hypervisor pages read, gathered from every pod's Placement. Resource providers keep
their pods' uuids (unique across pods: each pod made its own); lists are every pod's items,
traits and resource classes the union, usages the sum; one provider is asked of every pod and
answered by the one that has it. Changes stay each pod's business: only GET is served (any
other method is a 405 in Placement's format)."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlsplit

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.collections import PodRefused
from gateway.microversions import VersionRange
from gateway.pod_api import PodServiceView
from gateway.proxy import UpstreamResponse
from pods.fanout import gather
from pods.models import Pod
from tricircle_site.exceptions import ServiceUnavailable
from tricircle_site.jsontypes import JsonDict

API_PREFIX = "/placement"
PLACEMENT_BASELINE = VersionRange("1.0", "1.0")
# Every answering pod's body, in region order.
PodBodies = list[tuple[Pod, JsonDict]]


class PlacementView(PodServiceView):
    fault_style = "placement"
    service_type = "placement"
    api_prefix = API_PREFIX
    microversion_name = "placement"
    baseline = PLACEMENT_BASELINE

    @classmethod
    def version_documents(cls, request: Request, versions: VersionRange) -> list[JsonDict]:
        document = {
            "id": "v1.0",
            "max_version": versions.maximum,
            "min_version": versions.minimum,
            "status": "CURRENT",
            "links": [{"rel": "self", "href": ""}],
        }
        return [document]

    def pod_path(self) -> str:
        """The path asked, as each pod's Placement serves it."""
        return "/" + str(self.kwargs.get("path", "")).strip("/")

    def answers(self, request: Request) -> list[tuple[Pod, UpstreamResponse]]:
        """Every answering pod's answer, in region order."""
        # The caller's query (filters such as name, member_of, project_id) goes to every pod.
        path = self.pod_path()
        gathered = gather(self.answering_pods(), lambda pod: self.forward(request, pod, path, b""))
        if not gathered.results:
            raise ServiceUnavailable("No pod's Placement answered.")
        return sorted(gathered.results.items(), key=lambda item: item[0].region_name)

    def accepted(self, request: Request) -> PodBodies:
        """Every answering pod's body; the first refusal is the answer (PodRefused)."""
        answers = self.answers(request)
        for pod, answer in answers:
            if answer.status >= 300:
                raise PodRefused(answer, pod)
        return [(pod, answer.json() or {}) for pod, answer in answers]

    def combined(self, request: Request, combine: Callable[[PodBodies], JsonDict]) -> HttpResponse:
        """The pods' bodies made one (`combine`), or the first pod's refusal."""
        try:
            bodies = self.accepted(request)
        except PodRefused as refused:
            assert refused.pod is not None
            return self.respond(request, refused.pod, refused.response)
        return self.answer(combine(bodies))

    def from_the_pod_that_has_it(self, request: Request) -> HttpResponse:
        """One provider, its inventories, usages, traits...: the pod whose answer is not a 404
        (ids are unique across pods); all 404 is the first pod's 404."""
        answers = self.answers(request)
        for pod, answer in answers:
            if answer.status != 404:
                return self.respond_relinked(request, pod, answer)
        pod, answer = answers[0]
        return self.respond(request, pod, answer)

    def relinked(self, pod: Pod, item: object) -> object:
        """Placement's links are paths on its own server: made the top's (/placement/...)."""
        if not isinstance(item, dict) or not isinstance(item.get("links"), list):
            return item
        # The path a pod's Placement is served under: its links start with it.
        prefix = urlsplit(self.upstream(self.request, pod).base_url).path.rstrip("/")
        for link in item["links"]:
            href = link.get("href")
            if isinstance(href, str) and href.startswith(prefix + "/"):
                link["href"] = API_PREFIX + href[len(prefix) :]
        return item

    def respond_relinked(
        self, request: Request, pod: Pod, answer: UpstreamResponse
    ) -> HttpResponse:
        if answer.status < 300 and answer.content:
            body = answer.json()
            if isinstance(body, dict):
                self.relinked(pod, body)
                answer.content = json.dumps(body).encode()
        return self.respond(request, pod, answer)
