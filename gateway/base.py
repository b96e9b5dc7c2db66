"""The base of the gateway's OpenStack APIs: Keystone token auth, raw bodies (forwarded as
they came), errors in the served API's fault format (tricircle_site.api.exception_handler)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpResponse
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from gateway.routes import RouteTable
from tricircle_site.auth import (
    IsAuthenticatedProject,
    KeystoneIdentity,
    KeystoneTokenAuthentication,
)


class AlwaysJSON(BaseContentNegotiation):
    """OpenStack APIs answer JSON whatever Accept says (clients send action calls with
    Accept values DRF would refuse)."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> None:
        return None

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class GatewayView(APIView):
    fault_style = "nova"
    authentication_classes = [KeystoneTokenAuthentication]
    permission_classes = [IsAuthenticatedProject]
    parser_classes: list[type[BaseParser]] = []
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AlwaysJSON
    schema = None  # OpenStack APIs have their own references; not part of the admin schema.

    def identity(self, request: Request) -> KeystoneIdentity:
        assert isinstance(request.auth, KeystoneIdentity)
        return request.auth

    def public_root(self, request: Request, prefix: str) -> str:
        """The gateway URL that stands for an upstream's base URL in links."""
        return request.build_absolute_uri(prefix).rstrip("/")


class RoutedView(GatewayView):
    """An API served through its declared route table (gateway.routes), given to as_view()."""

    routes: RouteTable | None = None

    def route(self, request: Request, path: str = "") -> HttpResponse:
        """Every method comes here: the route table names the handler, or refuses (404, 405)."""
        assert self.routes is not None and request.method is not None
        resolved = self.routes.resolve(request.method, self.route_path(request, path))
        return resolved(self, request)

    # DRF looks a handler up by the method's name; the route table decides.
    get = post = put = patch = delete = route

    @property
    def default_response_headers(self) -> dict[str, str]:
        # DRF would put the view's methods (all of them, here) in `Allow` on every answer,
        # over the route's own that a 405 names (tricircle_site.api.exception_handler).
        headers = super().default_response_headers
        if self.routes is not None:
            headers.pop("Allow", None)
        return headers

    def route_path(self, request: Request, path: str) -> str:
        """The path the route table is matched against: what follows the API's prefix."""
        return "/" + path
