"""Shared pieces of the admin API: the one exception handler, marker pagination and the
`{"pod": {...}}` envelope used by Tricircle's API since its first release."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError
from django.db.models import Model, ProtectedError, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from tricircle_site import metrics
from tricircle_site.exceptions import MethodNotAllowed, ServiceUnavailable, TricircleError
from tricircle_site.faults import fault_response
from tricircle_site.jsontypes import JsonDict

LOG = logging.getLogger(__name__)

if TYPE_CHECKING:
    # What the mixins below are mixed into, for the type checker; at run time they stay plain
    # mixins, put before a serializer or a view set in its bases.
    _SerializerBase = serializers.Serializer[Any]
    _ViewBase = GenericAPIView[Any]
else:
    _SerializerBase = _ViewBase = object


def exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse | None:
    """Every API error passes here. Gateway views (those with `fault_style`) answer in the
    OpenStack fault format of the API they serve; the admin API answers DRF's JSON."""
    view = context.get("view")
    if isinstance(exc, TricircleError):
        status_code, detail, code = exc.status_code, exc.message, exc.code
        request = context.get("request")
        if isinstance(exc, ServiceUnavailable) and request is not None and request.method == "POST":
            metrics.CREATE_REFUSALS.labels("pod_down").inc()
    elif isinstance(exc, ProtectedError):
        status_code, detail, code = 409, "The resource is still in use.", "conflict"
    elif isinstance(exc, IntegrityError):
        status_code, detail, code = 409, "The resource conflicts with another.", "conflict"
    else:
        status_code, detail, code = 0, "", ""
    fault_style = getattr(view, "fault_style", None)
    if status_code:
        set_rollback()
        answer: HttpResponse
        if fault_style:
            answer = fault_response(fault_style, status_code, detail)
        else:
            answer = Response({"detail": detail, "code": code}, status=status_code)
        if isinstance(exc, MethodNotAllowed):
            answer["Allow"] = exc.allow
        return answer
    response = drf_exception_handler(exc, context)
    if response is not None and not fault_style and isinstance(response.data, dict):
        given = response.data.get("detail")
        if isinstance(given, drf_exceptions.ErrorDetail):
            response.data["code"] = given.code
    if response is not None and fault_style:
        data = response.data
        detail = data.get("detail", data) if isinstance(data, dict) else data
        fault = fault_response(fault_style, response.status_code, str(detail))
        for header in ("WWW-Authenticate", "Allow", "Retry-After"):
            if header in response:
                fault[header] = response[header]
        return fault
    return response


def json_400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)


def json_404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def json_500(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "detail": "Internal error; the operator has the details in the log.",
            "code": "internal_error",
        },
        status=500,
    )


class StrictSerializerMixin(_SerializerBase):
    """Unknown fields are a 400 instead of being silently dropped."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            known = set(self.fields)
            unknown = sorted(set(data) - known)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class MarkerPagination(BasePagination):
    """`limit` + `marker` (the last id seen), newest first, with an OpenStack-style
    `<collection>_links` next link; a keyset query, so page N costs what page 1 costs."""

    default_limit = 100
    max_limit = 1000

    def paginate_queryset(
        self,
        queryset: QuerySet[Any, Any] | Sequence[Any],
        request: Request,
        view: APIView | None = None,
    ) -> list[Any]:
        if not isinstance(queryset, QuerySet):
            raise TypeError("MarkerPagination pages querysets (a keyset query), not lists.")
        self.request = request
        self.collection = getattr(view, "collection_name", "results")
        try:
            self.limit = int(request.query_params.get("limit", self.default_limit))
        except ValueError as exc:
            raise drf_exceptions.ValidationError({"limit": ["Must be an integer."]}) from exc
        if self.limit < 1:
            raise drf_exceptions.ValidationError({"limit": ["Must be at least 1."]})
        self.limit = min(self.limit, self.max_limit)
        marker = request.query_params.get("marker")
        queryset = queryset.order_by("-pk")
        if marker:
            try:
                marker_pk = queryset.model._meta.pk.to_python(marker)
            except Exception as exc:
                raise drf_exceptions.ValidationError({"marker": ["Not a valid id."]}) from exc
            if not queryset.filter(pk=marker_pk).exists():
                raise drf_exceptions.ValidationError({"marker": ["No such entry."]})
            queryset = queryset.filter(pk__lt=marker_pk)
        page: list[Model] = list(queryset[: self.limit + 1])
        self.has_next = len(page) > self.limit
        self.page = page[: self.limit]
        return self.page

    def get_paginated_response(self, data: list[JsonDict]) -> Response:
        links = []
        if self.has_next and self.page:
            url = self.request.build_absolute_uri()
            url = replace_query_param(url, "marker", self.page[-1].pk)
            url = replace_query_param(url, "limit", self.limit)
            links.append({"rel": "next", "href": url})
        return Response(OrderedDict([(self.collection, data), (f"{self.collection}_links", links)]))

    def get_paginated_response_schema(self, schema: JsonDict) -> JsonDict:
        return {
            "type": "object",
            "properties": {
                self.collection if hasattr(self, "collection") else "results": schema,
                "links": {"type": "array", "items": {"type": "object"}},
            },
        }


class WrappedResourceMixin(_ViewBase):
    """Request and response bodies wrapped in the resource name, `{"pod": {...}}`, and lists in
    the collection name, `{"pods": [...]}`, as OpenStack APIs do."""

    resource_name = "resource"
    collection_name = "resources"

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        data = kwargs.get("data")
        if data is not None:
            if not isinstance(data, dict) or not isinstance(data.get(self.resource_name), dict):
                raise drf_exceptions.ValidationError(
                    {self.resource_name: [f'The body must be {{"{self.resource_name}": {{...}}}}.']}
                )
            kwargs["data"] = data[self.resource_name]
        return super().get_serializer(*args, **kwargs)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if (
            isinstance(response, Response)
            and response.status_code < 300
            and isinstance(response.data, dict)
            and "id" in response.data
        ):
            response.data = {self.resource_name: response.data}
        elif isinstance(response, Response) and isinstance(response.data, list):
            response.data = {self.collection_name: response.data}
        return super().finalize_response(request, response, *args, **kwargs)
