"""Flex Configuration (singleton) and Flex Flows."""

from __future__ import annotations

from typing import Any

from watchdog.fetchers.common import make, record
from watchdog.fetchers.context import FetchContext
from watchdog.fetchers.pages import read_converted
from watchdog.model.snapshot import Resource

CONFIG_FIELDS = ("chat_service_instance_sid", "flex_service_instance_sid",
                 "taskrouter_workspace_sid", "taskrouter_target_workflow_sid",
                 "taskrouter_target_taskqueue_sid", "messaging_service_instance_sid",
                 "flex_instance_sid", "status")
FLOW_FIELDS = ("sid", "friendly_name", "chat_service_sid", "channel_type", "contact_identity",
               "enabled", "integration_type", "integration", "long_lived", "janitor_enabled")


def fetch_configuration(ctx: FetchContext) -> list[Resource]:
    data = record(ctx.client.flex_api.v1.configuration().fetch())
    data["sid"] = data.get("account_sid") or ctx.account_sid  # a singleton: keyed by account
    return [make("flex_configuration", data, CONFIG_FIELDS)]


def fetch_flex_flows(ctx: FetchContext) -> list[Resource]:
    lister = ctx.client.flex_api.v1.flex_flow
    return read_converted(ctx, lister, 1000, _flex_flow)


def _flex_flow(instance: Any) -> Resource:
    return make("flex_flow", record(instance, FLOW_FIELDS), FLOW_FIELDS)
