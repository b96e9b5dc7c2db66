"""The Placement API's routes at the top region: Placement's own (placement/handler.py
ROUTE_DECLARATIONS), read-only. Every other method on a known path is a 405 naming GET;
`/allocations` and `/reshaper` take only changes in Placement, so the top takes no method on
them (a 405 with an empty Allow)."""

from __future__ import annotations

from gateway.placement import allocations, names, resource_providers, usages
from gateway.routes import RouteTable

PROVIDER_PART = {"GET": resource_providers.show_of_provider}

ROUTES = RouteTable(
    {
        "/resource_classes": {"GET": names.list_resource_classes},
        "/resource_classes/{name}": {"GET": names.show_name},
        "/resource_providers": {"GET": resource_providers.list_resource_providers},
        "/resource_providers/{uuid}": PROVIDER_PART,
        "/resource_providers/{uuid}/inventories": PROVIDER_PART,
        "/resource_providers/{uuid}/inventories/{resource_class}": PROVIDER_PART,
        "/resource_providers/{uuid}/usages": PROVIDER_PART,
        "/resource_providers/{uuid}/aggregates": PROVIDER_PART,
        "/resource_providers/{uuid}/allocations": PROVIDER_PART,
        "/resource_providers/{uuid}/traits": PROVIDER_PART,
        "/allocations": {},
        "/allocations/{consumer_uuid}": {"GET": allocations.show_consumer_allocations},
        "/allocation_candidates": {"GET": allocations.list_allocation_candidates},
        "/traits": {"GET": names.list_traits},
        "/traits/{name}": {"GET": names.show_name},
        "/usages": {"GET": usages.total_usages},
        "/reshaper": {},
    }
)
