"""What every pod API the gateway serves (Nova, Cinder) shares: the microversion range of the
pods and the version each call is forwarded with, forwarding to one pod and passing its answer
back, calls routed by the routing table, and lists gathered from every pod with next links."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from gateway import confinement
from gateway.base import GatewayView, RoutedView
from gateway.collections import PodCollection, PodRefused, list_across_pods
from gateway.microversions import VersionRange, supported_range
from gateway.numbers import int_param
from gateway.proxy import Upstream, UpstreamResponse, call, user_headers
from gateway.schema import parse_json
from gateway.services import quotas
from gateway.services.quotas import Combine, add_totals
from gateway.upstreams import pod_upstream
from pods import services as pod_services
from pods.fanout import gather
from pods.models import HealthStatus, Pod
from tricircle_site import metrics
from tricircle_site.exceptions import BadRequest, ServiceUnavailable
from tricircle_site.jsontypes import JsonDict, encode_json

LOG = logging.getLogger(__name__)


def query_params(request: Request) -> dict[str, list[str]]:
    # A blank value is a value: Nova takes `?all_tenants` (no value) for all_tenants=True.
    return parse_qs(request.META.get("QUERY_STRING", ""), keep_blank_values=True)


def zone_info() -> list[JsonDict]:
    """Tricircle's availability zones as Nova and Cinder list theirs: a zone is available while
    one of its enabled pods is not down."""
    return [
        {
            "zoneName": name,
            "zoneState": {
                "available": any(
                    pod.enabled and pod.health_status != HealthStatus.DOWN for pod in pods
                )
            },
        }
        for name, pods in sorted(pod_services.availability_zones().items())
    ]


def json_answer(body: JsonDict, status: int = 200) -> HttpResponse:
    """An answer of the gateway's own making (a merged list, a sum over pods)."""
    return HttpResponse(encode_json(body), status=status, content_type="application/json")


def left_out(response: HttpResponse, pods: Iterable[Pod]) -> None:
    """An answer without the pods that did not answer: named in a header, and counted."""
    names = sorted(pod.region_name for pod in pods)
    if names:
        response["X-Tricircle-Unavailable-Pods"] = ",".join(names)
    for name in names:
        metrics.PARTIAL_LISTS.labels(name).inc()


class PodServiceView(RoutedView):
    """The base of a pod service's API at the top region. Subclasses name the service; this
    class resolves the microversion once per request (the intersection of the pods' ranges)
    and forwards every call with it, so all pods answer the same version."""

    service_type: str = ""  # in the catalog: "compute", "volumev3"
    api_prefix: str = ""  # the gateway's URL of the API: "/compute/v2.1"
    microversion_name: str = ""  # in OpenStack-API-Version: "compute", "volume"
    legacy_version_header: str | None = None  # Nova's X-OpenStack-Nova-API-Version
    baseline = VersionRange("1.0", "1.0")  # what is assumed when no pod answers
    quota_service: str = ""  # its resources in gateway.services.quotas.COUNTED: "compute", "volume"
    quota_delete_status = 202  # Nova's; Cinder answers a quota set's deletion with 200

    def marker_not_found(self, marker: str) -> Exception:
        """Nova refuses an unknown marker as bad input (Cinder: not found)."""
        return BadRequest(f"marker [{marker}] not found")

    # --- microversions ----------------------------------------------------------------------
    @classmethod
    def version_upstream(cls, pod: Pod) -> Upstream:
        """Where the pod's version document is (unauthenticated)."""
        return pod_upstream(pod, cls.service_type, "")

    @classmethod
    def version_range(cls, pods: list[Pod]) -> VersionRange:
        return supported_range(cls.service_type, pods, cls.version_upstream, cls.baseline)

    @classmethod
    def version_documents(cls, request: Request, versions: VersionRange) -> list[JsonDict]:
        """The API's version documents as its root lists them (the current one showing
        `versions`, the pods' range); each API states its own. VersionsView answers them."""
        raise NotImplementedError(f"{cls.__name__} states no version document")

    def requested_microversion(self, meta: dict[str, Any]) -> str | None:
        # OpenStack-API-Version may name several services: "compute 2.60, volume 3.50".
        header: str = meta.get("HTTP_OPENSTACK_API_VERSION", "")
        for part in header.split(","):
            name, _, value = part.strip().partition(" ")
            if name.lower() == self.microversion_name:
                return value.strip()
        if self.legacy_version_header:
            return meta.get("HTTP_" + self.legacy_version_header.upper().replace("-", "_"))
        return None

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        self.pods = pod_services.bottom_pods()
        self.version = self.version_range(self.pods).resolve(
            self.requested_microversion(request.META)
        )

    def set_version_headers(self, response: HttpResponse) -> HttpResponse:
        response["OpenStack-API-Version"] = f"{self.microversion_name} {self.version}"
        if self.legacy_version_header:
            response[self.legacy_version_header] = self.version
        return response

    # --- one pod ----------------------------------------------------------------------------
    def pod_headers(self, request: Request) -> dict[str, str]:
        headers = user_headers(request.META, self.identity(request).token)
        headers["OpenStack-API-Version"] = f"{self.microversion_name} {self.version}"
        if self.legacy_version_header:
            headers[self.legacy_version_header] = self.version
        return headers

    def upstream(self, request: Request, pod: Pod) -> Upstream:
        return pod_upstream(pod, self.service_type, self.public_root(request, self.api_prefix))

    def forward(
        self, request: Request, pod: Pod, path: str, body: bytes | None = None
    ) -> UpstreamResponse:
        assert request.method is not None  # a request DRF dispatched has one
        return call(
            self.upstream(request, pod),
            request.method,
            path,
            self.pod_headers(request),
            request.body if body is None else body,
            request.META.get("QUERY_STRING", ""),
        )

    def forward_get(self, request: Request, pod: Pod, path: str) -> UpstreamResponse:
        return call(self.upstream(request, pod), "GET", path, self.pod_headers(request))

    def user_calls(self, request: Request) -> PodUserCalls:
        return PodUserCalls(self, request)

    def respond(self, request: Request, pod: Pod, response: UpstreamResponse) -> HttpResponse:
        return self.set_version_headers(response.to_django(self.upstream(request, pod)))

    def on_any_pod(self, request: Request, path: str) -> HttpResponse:
        """Calls with no routing meaning are answered by the first healthy pod."""
        usable = [pod for pod in self.pods if pod.health_status != HealthStatus.DOWN]
        if not usable:
            raise ServiceUnavailable("No pod is available.")
        pod = usable[0]
        return self.respond(request, pod, self.forward(request, pod, path))

    def on_the_pod_that_has(self, request: Request, path: str) -> HttpResponse:
        """A read of what one pod alone has (a hypervisor by id or host name): every pod is
        asked and the first, in pod order, that has it answers. When none has it: the first
        pod's refusal, unless a pod did not answer (then nobody can tell)."""
        gathered = gather(self.answering_pods(), lambda pod: self.forward(request, pod, path, b""))
        answers = sorted(gathered.results.items(), key=lambda item: item[0].region_name)
        for pod, answer in answers:
            if answer.status < 300:
                return self.respond(request, pod, answer)
        if gathered.failures or not answers:
            down = ", ".join(sorted(pod.region_name for pod in gathered.failures))
            raise ServiceUnavailable(f"Not every pod answered: {down or 'no pod is available'}.")
        return self.respond(request, *answers[0])

    # --- lists ------------------------------------------------------------------------------
    def list_collection(
        self,
        request: Request,
        collection: PodCollection,
        summary_fields: tuple[str, ...] | None = None,
        pods: list[Pod] | None = None,
        params: dict[str, list[str]] | None = None,
    ) -> HttpResponse:
        """The collection gathered from `pods` (all by default) with `params` (the request's by
        default) passed to each; `summary_fields` cuts items down for the non-detail list. The
        next link repeats the request's own query with the last item as marker."""
        asked = query_params(request)
        params = asked if params is None else params
        limit = int_param(params, "limit")
        marker_item, marker_pod = None, None
        if params.get("marker"):
            marker = params["marker"][-1]
            routing = confinement.visible_routing(
                self.identity(request), marker, collection.resource_type
            )
            if routing is None:
                raise self.marker_not_found(marker)
            marker_pod = routing.pod
            shown = self.forward_get(request, marker_pod, collection.show_path.format(id=marker))
            if shown.status >= 300:
                raise self.marker_not_found(marker)
            marker_item = shown.json()[collection.singular]
            if collection.present:
                collection.present(marker_pod, marker_item)
        try:
            merged = list_across_pods(
                collection,
                self.pods if pods is None else pods,
                lambda pod: self.upstream(request, pod),
                self.pod_headers(request),
                params,
                marker_item,
                marker_pod,
                limit,
            )
        except PodRefused as refused:
            assert refused.pod is not None
            return self.respond(request, refused.pod, refused.response)
        items = merged.items
        self.present_items(items)
        if summary_fields is not None:
            items = [{name: item.get(name) for name in summary_fields} for item in items]
        items += self.down_pod_items(request, collection, merged.unavailable, params)
        body: JsonDict = {collection.name: items}
        # Like Nova and Cinder: a full page always has a next link (the next may be empty).
        if merged.items and (merged.more or (limit is not None and len(merged.items) >= limit)):
            query = {key: values for key, values in asked.items() if key != "marker"}
            query["marker"] = [merged.items[-1]["id"]]
            href = request.build_absolute_uri(request.path) + "?" + urlencode(query, doseq=True)
            body[collection.links_key] = [{"rel": "next", "href": href}]
        response = self.set_version_headers(json_answer(body))
        left_out(response, merged.unavailable)
        return response

    def present_items(self, items: list[JsonDict]) -> None:
        """A page of merged items, before it is answered: what needs one call for all."""

    def down_pod_items(
        self,
        request: Request,
        collection: PodCollection,
        unavailable: dict[Pod, str],
        params: dict[str, list[str]],
    ) -> list[JsonDict]:
        """What stands for the resources of pods that did not answer: nothing, unless the API
        has a notion of it (Nova's down-cell stubs)."""
        return []

    def answer(self, body: JsonDict) -> HttpResponse:
        return self.set_version_headers(json_answer(body))

    # --- every pod ---------------------------------------------------------------------------
    def answering_pods(self) -> list[Pod]:
        return [pod for pod in self.pods if pod.health_status != HealthStatus.DOWN]

    def totalled(
        self,
        request: Request,
        path: str,
        present: Callable[[JsonDict], None] | None = None,
        combine: Combine = add_totals,
    ) -> HttpResponse:
        """Limits, quotas and summaries: every pod's answer added up (the project's volumes are
        spread over the pods), then `present`ed; pods that do not answer are named in a
        header."""
        body = request.body
        gathered = gather(self.answering_pods(), lambda pod: self.forward(request, pod, path, body))
        answers = {pod: answer for pod, answer in gathered.results.items() if answer.status < 300}
        if not answers:
            refused = next(iter(gathered.results.items()), None)
            if refused:
                return self.respond(request, *refused)
            raise ServiceUnavailable("No pod is available.")
        total: JsonDict = {}
        for pod in sorted(answers, key=lambda pod: pod.region_name):
            combine(total, answers[pod].json())
        if present:
            present(total)
        response = self.answer(total)
        left_out(response, set(gathered.failures) | (set(gathered.results) - set(answers)))
        return response

    def on_every_pod(
        self,
        request: Request,
        path: str,
        applied: Callable[[JsonDict], None] | None = None,
        combine: Combine = add_totals,
    ) -> HttpResponse:
        """Quota changes apply in every pod; the answer is the first refusal, else the total,
        given to `applied` (the change was made everywhere) before it is answered."""
        body = request.body
        gathered = gather(self.answering_pods(), lambda pod: self.forward(request, pod, path, body))
        if gathered.failures:
            names = ", ".join(sorted(pod.region_name for pod in gathered.failures))
            raise ServiceUnavailable(f"Not applied in every pod: {names} did not answer.")
        for pod, answer in sorted(gathered.results.items(), key=lambda item: item[0].region_name):
            if answer.status >= 300:
                return self.respond(request, pod, answer)
        total: JsonDict = {}
        for _pod, answer in sorted(gathered.results.items(), key=lambda item: item[0].region_name):
            if answer.content:
                combine(total, answer.json() or {})
        if applied:
            applied(total)
        if request.method == "DELETE":
            return self.set_version_headers(HttpResponse(status=self.quota_delete_status))
        return self.answer(total)

    # --- quotas ------------------------------------------------------------------------------
    def quota_classes(self, request: Request, path: str) -> HttpResponse:
        """`/os-quota-class-sets/{class}`: the same in every pod, so a change goes to all of
        them and a read answers the first pod's, showing the class's limits Tricircle keeps for
        the resources it counts across pods (gateway.services.quotas)."""
        service = self.quota_service
        class_name = path.strip("/").split("/")[1]
        if request.method == "PUT":
            given = parse_json(request.body).get("quota_class_set")
            limits = quotas.given_limits(service, given, "quota_class_set")
            self.prepare_quota_change(request, "quota_class_set")
            applied = functools.partial(quotas.set_class_limits, class_name, service, limits)
            return self.on_every_pod(request, path, applied, combine=quotas.keep_first)
        if request.method == "GET":
            present = functools.partial(
                quotas.present_quota_set,
                limits=quotas.class_limits(class_name, service),
                body_key="quota_class_set",
            )
            return self.totalled(request, path, present, combine=quotas.keep_first)
        return self.on_any_pod(request, path)

    def prepare_quota_change(self, request: Request, body_key: str) -> None:
        """What the pods need before they take a quota change (Cinder: the volume types that
        per-type limits name)."""

    def quotas(self, request: Request, path: str) -> HttpResponse:
        """`/limits` and `/os-quota-sets/{project}[/detail|/defaults]`: the pods' answers added
        up, showing Tricircle's limit where the project has one (gateway.services.quotas); a
        change goes to every pod and, once all took it, is recorded."""
        identity = self.identity(request)
        service = self.quota_service
        asked = query_params(request)
        if path == "/limits":
            project_id = quotas.limits_project(identity.project_id, identity.is_admin, asked)
            return self.totalled(
                request, path, lambda body: quotas.present_limits(body, project_id, service)
            )
        parts = path.strip("/").split("/")  # os-quota-sets, {project}, [detail | defaults]
        project_id = parts[1] if len(parts) > 1 else ""
        per_user = "user_id" in asked  # a user's share inside the project: the pods' business
        combine = quotas.quota_set_combine(service, per_user)
        if request.method == "GET":
            if per_user:
                return self.totalled(request, path, combine=combine)
            limits = quotas.shown_limits(project_id, service, defaults=parts[2:] == ["defaults"])
            present = functools.partial(quotas.present_quota_set, limits=limits)
            return self.totalled(request, path, present, combine)
        if len(parts) != 2 or per_user or request.method not in {"PUT", "DELETE"}:
            return self.on_every_pod(request, path, combine=combine)
        if request.method == "DELETE":
            return self.on_every_pod(request, path, lambda _: quotas.forget(project_id, service))
        limits = quotas.given_limits(service, parse_json(request.body).get("quota_set"))
        self.prepare_quota_change(request, "quota_set")
        applied = functools.partial(quotas.set_project_limits, project_id, service, limits)
        return self.on_every_pod(request, path, applied, combine)

    def enforce_quota(self, request: Request, requested: dict[str, int]) -> None:
        """Refuses a create that would take the caller's project beyond a limit Tricircle
        keeps, counting its use in every pod (a pod that does not answer counts nothing: its
        own limit still holds there)."""
        project_id = self.identity(request).project_id
        if not quotas.enforced(project_id, self.quota_service):
            return
        gathered = gather(
            self.answering_pods(), lambda pod: self.forward_get(request, pod, "/limits")
        )
        answers = sorted(gathered.results.items(), key=lambda item: item[0].region_name)
        pods_limits = [answer.json() for _pod, answer in answers if answer.status < 300]
        quotas.check_across_pods(project_id, self.quota_service, requested, pods_limits)

    def concatenated(self, request: Request, path: str, key: str) -> HttpResponse:
        """Admin lists of what each pod runs (hypervisors, services): every pod's items."""
        # The caller's filters (host, binary...) go to every pod.
        gathered = gather(self.answering_pods(), lambda pod: self.forward(request, pod, path, b""))
        items: list[JsonDict] = []
        for pod, answer in sorted(gathered.results.items(), key=lambda item: item[0].region_name):
            if answer.status >= 300:
                return self.respond(request, pod, answer)
            items += (answer.json() or {}).get(key, [])
        response = self.answer({key: items})
        left_out(response, gathered.failures)
        return response


class VersionsView(GatewayView):
    """An API's root and its version's root (unauthenticated): the version documents its view
    class states (PodServiceView.version_documents) for the pods' range, in its fault format.
    The URL conf makes one per API: `VersionsView.as_view(api=ComputeView)`."""

    permission_classes = [AllowAny]
    api: type[PodServiceView] = PodServiceView
    status = 200  # Cinder's root answers 300 Multiple Choices

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.fault_style = self.api.fault_style

    def get_view_name(self) -> str:
        """As OPTIONS names it: "Compute Versions" (the API's view, without "View")."""
        return f"{self.api.__name__.removesuffix('View')} Versions"

    def get_view_description(self, html: bool = False) -> str:
        return ""  # this docstring is about the class, not one API's root

    def get(self, request: Request, versioned: str = "") -> JsonResponse:
        """`versioned`: the version a path names (Nova's /v2, /v2.1) answers its document
        alone; else the list."""
        versions = self.api.version_range(pod_services.bottom_pods())
        documents = self.api.version_documents(request, versions)
        if not versioned:
            return JsonResponse({"versions": documents}, status=self.status)
        # /v2 names v2.0, as at Nova.
        (document,) = [doc for doc in documents if doc["id"] in (versioned, f"{versioned}.0")]
        return JsonResponse({"version": document}, status=self.status)


@dataclass(frozen=True)
class PodUserCalls:
    """The caller's own calls in the pods, for the service layer (gateway.services.calls.
    UserCalls): with the request's token and headers, at its microversion."""

    api: PodServiceView
    request: Request

    @property
    def version(self) -> str:
        return self.api.version

    def forward(self, pod: Pod, path: str, body: JsonDict | None = None) -> UpstreamResponse:
        encoded = None if body is None else json.dumps(body).encode()
        return self.api.forward(self.request, pod, path, encoded)

    def send(
        self, pod: Pod, method: str, path: str, body: JsonDict | None = None
    ) -> UpstreamResponse:
        data = b"" if body is None else json.dumps(body).encode()
        headers = self.api.pod_headers(self.request)
        return call(self.api.upstream(self.request, pod), method, path, headers, data)

    def read(
        self, pod: Pod, path: str, query: str = "", version: str | None = None
    ) -> UpstreamResponse:
        headers = self.api.pod_headers(self.request)
        if version is not None:
            headers["OpenStack-API-Version"] = f"{self.api.microversion_name} {version}"
        return call(self.api.upstream(self.request, pod), "GET", path, headers, query=query)

    def enforce_quota(self, requested: dict[str, int]) -> None:
        self.api.enforce_quota(self.request, requested)
