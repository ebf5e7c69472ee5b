"""Chat (v2) Services, Proxy Services with the Flex Proxy Service's numbers, Conversations addresses."""

from __future__ import annotations

from functools import partial
from typing import Any

from watchdog.fetchers.common import make, read_all, record
from watchdog.fetchers.context import FetchContext
from watchdog.fetchers.pages import read_converted
from watchdog.model.snapshot import Resource

CHAT_FIELDS = ("sid", "friendly_name", "pre_webhook_url", "post_webhook_url", "webhook_method")
PROXY_FIELDS = ("sid", "unique_name", "chat_instance_sid", "callback_url",
                "intercept_callback_url", "out_of_session_callback_url")
PROXY_NUMBER_FIELDS = ("sid", "phone_number", "service_sid", "is_reserved")
ADDRESS_FIELDS = ("sid", "type", "address", "friendly_name", "auto_creation")


def fetch_chat(ctx: FetchContext) -> list[Resource]:
    return [make("chat_service", record(r), CHAT_FIELDS)
            for r in read_all(ctx.client.chat.v2.services, 100, ctx.max_pages)]


def fetch_proxy(ctx: FetchContext) -> list[Resource]:
    """Every Proxy Service; the number pool of each one that looks like Flex's.

    The Flex Configuration has no proxy field, so the Flex Proxy Service is recognised later by
    unique name or by ``chat_instance_sid``; any service with a chat instance is a candidate.
    """
    services = [make("proxy_service", record(r), PROXY_FIELDS)
                for r in read_all(ctx.client.proxy.v1.services, 1000, ctx.max_pages)]
    out = list(services)
    for service in services:
        if service.get("unique_name") == ctx.flex.proxy_service_name or service.get(
                "chat_instance_sid"):
            numbers = ctx.client.proxy.v1.services(service.sid).phone_numbers
            out += read_converted(ctx, numbers, 1000, partial(_pool_number, service.sid))
    return out


def _pool_number(service_sid: str, instance: Any) -> Resource:
    data = record(instance, PROXY_NUMBER_FIELDS) | {"service_sid": service_sid}
    return make("proxy_phone_number", data, PROXY_NUMBER_FIELDS, meta={"service_sid": service_sid})


def fetch_conversations(ctx: FetchContext) -> list[Resource]:
    lister = ctx.client.conversations.v1.address_configurations
    return [make("address_configuration", record(r), ADDRESS_FIELDS)
            for r in read_all(lister, 50, ctx.max_pages)]
