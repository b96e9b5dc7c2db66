"""The base of the gateway's OpenStack APIs: Keystone token auth, raw bodies (forwarded as
they came), errors in the served API's fault format (tricircle_site.api.exception_handler)."""

from __future__ import annotations

from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from tricircle_site.auth import (
    IsAuthenticatedProject,
    KeystoneIdentity,
    KeystoneTokenAuthentication,
)


class GatewayView(APIView):
    fault_style = "nova"
    authentication_classes = [KeystoneTokenAuthentication]
    permission_classes = [IsAuthenticatedProject]
    parser_classes: list = []
    renderer_classes = [JSONRenderer]
    schema = None  # OpenStack APIs have their own references; not part of the admin schema.

    def identity(self, request: Request) -> KeystoneIdentity:
        assert isinstance(request.auth, KeystoneIdentity)
        return request.auth

    def public_root(self, request: Request, prefix: str) -> str:
        """The gateway URL that stands for an upstream's base URL in links."""
        return request.build_absolute_uri(prefix).rstrip("/")
