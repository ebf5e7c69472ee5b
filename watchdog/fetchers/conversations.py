"""Flex Conversations beyond the addresses: the account's Conversations Configuration and
webhooks, the Conversations services (and, for the default one Flex uses, its Configuration,
webhooks and roles), Messaging Services with their numbers, WhatsApp senders.

Each function is one family: every read completes or the family fails (never a short list).
"""

from __future__ import annotations

from typing import Any

from watchdog.fetchers.common import make, read_all, record
from watchdog.fetchers.context import FetchContext
from watchdog.model.snapshot import Resource

CONFIG_FIELDS = ("default_chat_service_sid", "default_messaging_service_sid",
                 "default_inactive_timer", "default_closed_timer")
ACCOUNT_WEBHOOK_FIELDS = ("pre_webhook_url", "post_webhook_url", "method", "filters", "target")
SERVICE_FIELDS = ("sid", "friendly_name")
SERVICE_CONFIG_FIELDS = ("chat_service_sid", "default_conversation_creator_role_sid",
                         "default_conversation_role_sid", "default_chat_service_role_sid",
                         "reachability_enabled")
SERVICE_WEBHOOK_FIELDS = ("chat_service_sid", "pre_webhook_url", "post_webhook_url", "method",
                          "filters")
ROLE_FIELDS = ("sid", "chat_service_sid", "friendly_name", "type", "permissions")
MESSAGING_FIELDS = ("sid", "friendly_name", "inbound_request_url", "inbound_method",
                    "fallback_url", "use_inbound_webhook_on_number")
MESSAGING_NUMBER_FIELDS = ("sid", "phone_number", "service_sid")
SENDER_FIELDS = ("sid", "sender_id", "status", "webhook", "offline_reasons")


def _singleton(ctx: FetchContext, type_: str, instance: Any, keep: tuple[str, ...],
               sid: str | None = None) -> Resource:
    data = record(instance) | {"sid": sid or ctx.account_sid}  # keyed by account or service
    return make(type_, data, keep)


def fetch_conversations_services(ctx: FetchContext) -> list[Resource]:
    """The Configuration, its webhooks, every service; the default service's settings."""
    v1 = ctx.client.conversations.v1
    config = _singleton(ctx, "conversations_configuration", v1.configuration().fetch(),
                        CONFIG_FIELDS)
    out = [config, _singleton(ctx, "conversations_webhooks", v1.configuration.webhooks().fetch(),
                              ACCOUNT_WEBHOOK_FIELDS)]
    services = [make("conversations_service", record(r), SERVICE_FIELDS)
                for r in read_all(v1.services, 100, ctx.max_pages)]
    out += services
    default = config.get("default_chat_service_sid")
    if default and any(s.sid == default for s in services):
        service = v1.services(default)
        out.append(_singleton(ctx, "conversations_service_configuration",
                              service.configuration().fetch(), SERVICE_CONFIG_FIELDS, default))
        out.append(_singleton(ctx, "conversations_service_webhooks",
                              service.configuration.webhooks().fetch(), SERVICE_WEBHOOK_FIELDS,
                              default))
        out += [_role(r, default) for r in read_all(service.roles, 50, ctx.max_pages)]
    return out


def _role(instance: Any, service_sid: str) -> Resource:
    # A set of permissions: the order Twilio lists them in means nothing, a write may change it.
    permissions = sorted(str(p) for p in getattr(instance, "permissions", None) or [])
    data = record(instance) | {"chat_service_sid": service_sid, "permissions": permissions}
    return make("conversations_role", data, ROLE_FIELDS)


def fetch_messaging(ctx: FetchContext) -> list[Resource]:
    """Every Messaging Service and the phone numbers in its sender pool."""
    v1 = ctx.client.messaging.v1
    services = [make("messaging_service", record(r), MESSAGING_FIELDS)
                for r in read_all(v1.services, 1000, ctx.max_pages)]
    out = list(services)
    for service in services:
        out += [make("messaging_phone_number", record(r) | {"service_sid": service.sid},
                     MESSAGING_NUMBER_FIELDS)
                for r in read_all(v1.services(service.sid).phone_numbers, 1000, ctx.max_pages)]
    return out


def fetch_whatsapp(ctx: FetchContext) -> list[Resource]:
    """Every WhatsApp sender (``messaging.v2`` channels senders)."""
    lister = ctx.client.messaging.v2.channels_senders
    return [make("whatsapp_sender", record(r), SENDER_FIELDS)
            for r in read_all(lister, 1000, ctx.max_pages, channel="whatsapp")]
