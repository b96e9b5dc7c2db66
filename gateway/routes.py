"""Declared route tables of the gateway's APIs, as OpenStack Placement declares its own: a URL
template maps to {HTTP method: handler}. A path no template matches is a 404; a known path
asked with another method is a 405 naming the methods it takes (`Allow`). Both are answered in
the served API's fault format by the one exception handler (tricircle_site.api)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse

from tricircle_site.exceptions import MethodNotAllowed, NotFound

# handler(view, request, **values of the template's fields) -> answer. The view is the API's
# request-scoped view (gateway.base.GatewayView and its subclasses).
Handler = Callable[..., HttpResponse]

# `{name}` is one path segment; `{name:path}` the rest of the path (one segment or more).
FIELD = re.compile(r"\{(\w+)(?::(path))?\}")
SEGMENT = "[^/]+"
REST = ".+"


def compile_template(template: str) -> re.Pattern[str]:
    pattern, position = "", 0
    for field in FIELD.finditer(template):
        pattern += re.escape(template[position : field.start()])
        pattern += f"(?P<{field.group(1)}>{REST if field.group(2) else SEGMENT})"
        position = field.end()
    return re.compile(f"^{pattern}{re.escape(template[position:])}$")


@dataclass(frozen=True)
class Route:
    template: str
    methods: Mapping[str, Handler]
    pattern: re.Pattern[str]

    @property
    def allow(self) -> str:
        return ", ".join(sorted(self.methods))


@dataclass(frozen=True)
class Resolved:
    route: Route
    handler: Handler
    fields: dict[str, str]

    def __call__(self, view: Any, request: Any) -> HttpResponse:
        return self.handler(view, request, **self.fields)


class RouteTable:
    """Routes in the order given: the first template that matches a path owns it, so a fixed
    segment (`/servers/detail`) is declared before the field it would match
    (`/servers/{server_id}`)."""

    def __init__(self, routes: Mapping[str, Mapping[str, Handler]], not_found: str = ""):
        self.routes = [
            Route(template, dict(methods), compile_template(template))
            for template, methods in routes.items()
        ]
        self.not_found = not_found or "The resource could not be found."

    def resolve(self, method: str, path: str) -> Resolved:
        for route in self.routes:
            match = route.pattern.match(path)
            if match is None:
                continue
            handler = route.methods.get(method)
            if handler is None:
                raise MethodNotAllowed(method, route.allow)
            return Resolved(route, handler, match.groupdict())
        raise NotFound(self.not_found)

    def templates(self) -> list[str]:
        return [route.template for route in self.routes]
