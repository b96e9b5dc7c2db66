"""The read side of the Placement API at the top region (`/placement`): what Nova's tools and
Horizon's hypervisor pages read, gathered from every pod's Placement. Resource providers keep
their pods' uuids (unique across pods: each pod made its own); lists are every pod's items,
traits and resource classes the union, usages the sum; one provider is asked of every pod and
answered by the one that has it. Changes stay each pod's business: only GET is served (any
other method is a 405 in Placement's format)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.http import HttpResponse, JsonResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from gateway.base import GatewayView
from gateway.collections import PodRefused
from gateway.microversions import VersionRange
from gateway.pod_api import PodServiceView, add_totals
from gateway.proxy import UpstreamResponse
from gateway.scatter import gather
from pods import services as pod_services
from pods.models import Pod
from tricircle_site.exceptions import ServiceUnavailable
from tricircle_site.jsontypes import JsonDict

API_PREFIX = "/placement"
PLACEMENT_BASELINE = VersionRange("1.0", "1.0")
# Collections whose items every pod has its own of, and the key of their list.
CONCATENATED = {
    "/resource_providers": "resource_providers",
}
# Collections of names every pod shares (standard traits and classes): the union.
UNITED = {"/traits": "traits", "/resource_classes": "resource_classes"}


class PlacementVersionsView(GatewayView):
    fault_style = "placement"
    permission_classes = [AllowAny]

    def get(self, request: Request) -> JsonResponse:
        versions = PlacementView.version_range(pod_services.bottom_pods())
        document = {
            "id": "v1.0",
            "max_version": versions.maximum,
            "min_version": versions.minimum,
            "status": "CURRENT",
            "links": [{"rel": "self", "href": ""}],
        }
        return JsonResponse({"versions": [document]})


class PlacementView(PodServiceView):
    fault_style = "placement"
    service_type = "placement"
    api_prefix = API_PREFIX
    microversion_name = "placement"
    baseline = PLACEMENT_BASELINE
    # Reads only (PodServiceView routes every method; changes are refused with DRF's 405).
    http_method_names = ["get", "head", "options"]

    def get(self, request: Request, path: str = "") -> HttpResponse:
        path = "/" + path.strip("/")
        try:
            if path in CONCATENATED:
                return self.listed(request, path, CONCATENATED[path])
            if path in UNITED:
                return self.united(request, path, UNITED[path])
            if path == "/usages":
                return self.summed(request, path)
        except PodRefused as refused:
            assert refused.pod is not None
            return self.respond(request, refused.pod, refused.response)
        return self.from_the_pod_that_has_it(request, path)

    def answers(self, request: Request, path: str) -> list[tuple[Pod, UpstreamResponse]]:
        """Every answering pod's answer, in region order."""
        # The caller's query (filters such as name, member_of, project_id) goes to every pod.
        gathered = gather(self.answering_pods(), lambda pod: self.forward(request, pod, path, b""))
        if not gathered.results:
            raise ServiceUnavailable("No pod's Placement answered.")
        return sorted(gathered.results.items(), key=lambda item: item[0].region_name)

    def accepted(self, request: Request, path: str) -> list[tuple[Pod, JsonDict]]:
        """Every answering pod's body; the first refusal is the answer (PodRefused)."""
        answers = self.answers(request, path)
        for pod, answer in answers:
            if answer.status >= 300:
                raise PodRefused(answer, pod)
        return [(pod, answer.json() or {}) for pod, answer in answers]

    def listed(self, request: Request, path: str, key: str) -> HttpResponse:
        items = [
            self.relinked(pod, item)
            for pod, body in self.accepted(request, path)
            for item in body.get(key, [])
        ]
        return self.answer({key: items})

    def united(self, request: Request, path: str, key: str) -> HttpResponse:
        items: dict[str, object] = {}
        for pod, body in self.accepted(request, path):
            for item in body.get(key, []):
                name = item if isinstance(item, str) else item.get("name")
                items.setdefault(name, self.relinked(pod, item))
        return self.answer({key: [items[name] for name in sorted(items)]})

    def summed(self, request: Request, path: str) -> HttpResponse:
        total: JsonDict = {}
        for _pod, body in self.accepted(request, path):
            add_totals(total, body)
        return self.answer(total)

    def from_the_pod_that_has_it(self, request: Request, path: str) -> HttpResponse:
        """One provider, its inventories, usages, traits...: the pod whose answer is not a 404
        (ids are unique across pods); all 404 is the first pod's 404."""
        answers = self.answers(request, path)
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
