"""Keystone identity for every API: keystonemiddleware (wrapped around the WSGI app in wsgi.py)
validates the token and leaves X-Identity-Status / X-Roles / X-Project-Id headers; these classes
read them. Browser sessions log in with Keystone credentials through KeystoneLoginBackend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from rest_framework import permissions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request


@dataclass(frozen=True)
class KeystoneIdentity:
    user_id: str
    project_id: str
    token: str
    roles: frozenset[str] = field(default_factory=frozenset)
    user_name: str = ""
    project_name: str = ""

    @property
    def is_admin(self) -> bool:
        return settings.ADMIN_ROLE in self.roles


class KeystoneUser:
    """request.user for a token-authenticated call (no Django user row behind it)."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, identity: KeystoneIdentity):
        self.identity = identity
        self.username = identity.user_name or identity.user_id
        self.is_staff = self.is_superuser = identity.is_admin

    def __str__(self) -> str:
        return self.username


def identity_from_meta(meta: dict[str, Any]) -> KeystoneIdentity | None:
    if meta.get("HTTP_X_IDENTITY_STATUS") != "Confirmed":
        return None
    roles = frozenset(
        role.strip() for role in meta.get("HTTP_X_ROLES", "").split(",") if role.strip()
    )
    return KeystoneIdentity(
        user_id=meta.get("HTTP_X_USER_ID", ""),
        project_id=meta.get("HTTP_X_PROJECT_ID", ""),
        token=meta.get("HTTP_X_AUTH_TOKEN", ""),
        roles=roles,
        user_name=meta.get("HTTP_X_USER_NAME", ""),
        project_name=meta.get("HTTP_X_PROJECT_NAME", ""),
    )


class KeystoneTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[KeystoneUser, KeystoneIdentity] | None:
        identity = identity_from_meta(request.META)
        if identity is None:
            return None
        return KeystoneUser(identity), identity

    def authenticate_header(self, request: Request) -> str:
        return f'Keystone uri="{settings.KEYSTONE_URL}"'


def caller_is_admin(request: Request) -> bool:
    if isinstance(request.auth, KeystoneIdentity):
        return request.auth.is_admin
    return bool(getattr(request.user, "is_superuser", False))


def caller_project_id(request: Request) -> str | None:
    if isinstance(request.auth, KeystoneIdentity):
        return request.auth.project_id
    return None


class IsCloudAdmin(permissions.BasePermission):
    message = "This operation needs the admin role."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and caller_is_admin(request))


class IsAuthenticatedProject(permissions.BasePermission):
    """Any project member; views scope what they return to the caller's project."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)


class KeystoneLoginBackend(BaseBackend):
    """Django login (admin site, browsable API, dashboard) with Keystone credentials: the user
    must hold the admin role on the project they log in to."""

    def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        project_name: str = "admin",
        **kwargs: Any,
    ) -> Any:
        if not username or not password:
            return None
        auth = v3.Password(
            auth_url=settings.KEYSTONE_URL,
            username=username,
            password=password,
            project_name=project_name or "admin",
            user_domain_name="Default",
            project_domain_name="Default",
        )
        try:
            access = auth.get_access(ks_session.Session(timeout=settings.POD_TIMEOUT))
        except ks_exceptions.ClientException:
            return None
        if settings.ADMIN_ROLE not in (access.role_names or []):
            return None
        user, _ = get_user_model().objects.update_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": True}
        )
        return user

    def get_user(self, user_id: int) -> Any:
        return get_user_model().objects.filter(pk=user_id, is_active=True).first()
