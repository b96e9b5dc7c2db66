"""Security groups and their rules: a rule created or deleted has the group's bottom copies
synced (a security_group_sync job); a deleted group's copies are removed."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from gateway.network import deletions
from gateway.network.api import NetworkView, answer_body
from networking import services


def delete_security_group(
    api: NetworkView, request: Request, security_group_id: str
) -> HttpResponse:
    return deletions.delete_top(api, request, "security-groups", security_group_id)


def create_rules(api: NetworkView, request: Request) -> HttpResponse:
    response = api.forward(request)
    if response.status == 201:
        services.security_group_rules_created(answer_body(response))
    return api.respond(request, response)


def delete_rule(api: NetworkView, request: Request, rule_id: str) -> HttpResponse:
    group_id = services.group_of_rule(rule_id)  # read before the rule is gone
    response = api.forward(request)
    if group_id and response.status == 204:
        services.security_group_changed(group_id)
    return api.respond(request, response)
