"""The admin API's read-only view of cross-pod routers (what the router_setup jobs made)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from networking import l3
from tricircle_site.exceptions import NotFound


class RouterStatusView(APIView):
    """GET /v1.0/routers/{top_router_id} (admin): the pods a top router spans, each bottom
    router's interfaces, routes and gateway, the bridge network and the last router_setup job."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, router_id: str) -> Response:
        status = l3.router_status(router_id)
        if status is None:
            raise NotFound(f"Router {router_id} is unknown to the central Neutron and Tricircle.")
        return Response({"router": status})
