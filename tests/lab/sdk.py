"""openstacksdk connections to the lab's regions, configured from lab.json alone."""

from __future__ import annotations

from typing import Any

import openstack
from openstack.connection import Connection


def connect(lab: dict[str, Any], user: str, region: str, **overrides: Any) -> Connection:
    account = lab["users"][user]
    return openstack.connect(
        auth_url=lab["keystone_url"],
        username=user,
        password=account["password"],
        project_name=account["project"],
        user_domain_name="Default",
        project_domain_name="Default",
        region_name=region,
        load_yaml_config=False,  # only what lab.json says, whatever clouds.yaml the user has
        load_envvars=False,
        **overrides,
    )
