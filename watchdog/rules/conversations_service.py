"""The Conversations service Flex uses (the account's default one): present, unchanged, its
webhooks and its ``agent`` role as Flex set them up."""

from __future__ import annotations

from collections.abc import Iterator

from watchdog.model.addresses import auto_creation
from watchdog.model.findings import Severity
from watchdog.model.snapshot import Resource
from watchdog.rules.address_checks import naming, replaced_default
from watchdog.rules.context import RuleContext
from watchdog.rules.helpers import affected
from watchdog.rules.registry import Hit, rule

SERVICE = ("conversations", "conversations_services")
WEBHOOK_FIELDS = ("pre_webhook_url", "post_webhook_url", "method", "filters", "target")
#: What Twilio documents for the ``agent`` conversation role Flex creates (Flex Conversations
#: roles page); "Don't modify the standard permissions of the agent role".
AGENT_PERMISSIONS = ("editConversationAttributes", "sendMessage", "sendMediaMessage",
                     "leaveConversation", "editOwnMessage", "editOwnMessageAttributes",
                     "deleteOwnMessage")


def _settings_of(snapshot_resources: list[Resource], service_sid: str) -> list[dict[str, str]]:
    return [{"type": r.type, "sid": r.sid} for r in snapshot_resources
            if r.sid == service_sid or r.get("chat_service_sid") == service_sid]


@rule("conversations.default-service-missing", severity="critical", families=SERVICE,
      stack="conversations")
def default_service_missing(ctx: RuleContext) -> Iterator[Hit]:
    """The Conversations Configuration names no default service, or one that does not exist.

    **Why it matters.** Flex uses only the default Conversations service ("Flex Chat Service"):
    with none, or a deleted one, no conversation is created for any address and the Flex UI
    cannot join conversations. Raised only on an account with Conversations addresses; one
    finding explains every address creating conversations there (`details.affected`).
    Deleting the "Flex Chat Service" as legacy Chat clean-up is the usual cause: the same `IS`
    serves both products.

    **Fix by hand.** If the service still exists under another SID, make it the default:
    Console → Conversations → Defaults → Default Conversation Service, or
    `POST https://conversations.twilio.com/v1/Configuration` with
    `DefaultChatServiceSid=IS...`. A deleted service cannot be restored: create one, make it
    the default, and point every address at it (`AutoCreation.ConversationServiceSid`).

    **Heal.** None: services are never created or chosen automatically.
    """
    addresses = ctx.snapshot.of_type("address_configuration")
    topo = ctx.topology
    config = topo.conversations_configuration
    if not addresses or config is None:
        return
    sid = topo.default_service_sid
    if sid and ctx.snapshot.get("conversations_service", sid):
        return
    base = ctx.baseline
    old = list(base.resources()) if base is not None and sid else []
    using = [a for a in addresses
             if auto_creation(a).get("conversation_service_sid") in (None, "", sid)]
    target = sid or config.sid
    what = f"names Conversations service {sid}, which does not exist" if sid \
        else "names no default Conversations service"
    yield Hit("conversations_service" if sid else "conversations_configuration", target,
              f"The Conversations Configuration {what}: {len(using)} addresses create no "
              "conversations", {
                  "default_chat_service_sid": sid, "addresses": [a.sid for a in using],
                  "stack": "conversations",
                  "affected": [{"type": "address_configuration", "sid": a.sid} for a in using]
                  + (_settings_of(old, sid) if sid else [])})


@rule("conversations.default-service-changed", severity="critical", families=SERVICE,
      kind="overwrite", stack="conversations")
def default_service_changed(ctx: RuleContext) -> Iterator[Hit]:
    """The default Conversations service differs from the baseline.

    **Why it matters.** Flex uses only the default service: switching it to another service
    moves every new conversation where Flex's roles, webhooks and agents are not, and the
    conversations already open in the old one are no longer seen. When the old default was
    deleted and a new one made the default (System Checkup, or by hand), this one finding also
    names the deleted service and every address still creating conversations in it
    (`details.affected`, `details.baseline_service_deleted`): one cause, one incident, instead of
    a `conversations.address-service-missing` per address.

    **Fix by hand.** Console → Conversations → Defaults → Default Conversation Service → the
    service in `details.baseline_service_sid` → Save, or
    `POST https://conversations.twilio.com/v1/Configuration` with
    `DefaultChatServiceSid=IS...`. If the change was intended, accept it:
    `flex-watchdog baseline accept`. If the old default was deleted, point each address in
    `details.addresses` at the new one:
    `POST https://conversations.twilio.com/v1/Configuration/Addresses/{IG}` with
    `AutoCreation.ConversationServiceSid=IS...` (or clear it so the default is used).

    **Heal.** None.
    """
    base = ctx.baseline_topology
    now = ctx.topology.default_service_sid
    if base is None or base.conversations_configuration is None or not now:
        return
    old = base.default_service_sid
    if old == now or not ctx.snapshot.get("conversations_service", now):
        return  # unchanged, or gone: conversations.default-service-missing
    config = ctx.topology.conversations_configuration
    # The old default's settings and roles are no longer read (only the default's are): they
    # are explained here, not deleted.
    unread = [r for r in _settings_of(list(base.snapshot.resources()), old or "")
              if r["type"] != "conversations_service"] if old else []
    summary = f"The default Conversations service is now {now}, not {old or 'none'} as in the " \
        "baseline"
    # Deleted and replaced: the addresses still naming it are this cause too (one finding).
    deleted = old is not None and old == replaced_default(ctx)
    stuck = naming(ctx, old) if old and deleted else []
    if deleted:
        summary += f" ({old} was deleted" + (
            f"; {len(stuck)} addresses still create conversations in it)" if stuck else ")")
    yield Hit("conversations_configuration", config.sid if config else ctx.account_sid,
              summary, {"baseline_service_sid": old, "default_chat_service_sid": now,
                        "baseline_service_deleted": deleted,
                        "addresses": [a.sid for a in stuck], "stack": "conversations",
                        "affected": unread
                        + affected("conversations_service", [old] if deleted else [])
                        + affected("address_configuration", [a.sid for a in stuck])})


def _webhook_changes(old: Resource, new: Resource) -> list[dict[str, object]]:
    return [{"field": f, "before": old.get(f), "after": new.get(f)} for f in WEBHOOK_FIELDS
            if f in new.essence and _norm(old.get(f)) != _norm(new.get(f))]


def _norm(value: object) -> object:
    if isinstance(value, tuple | list):
        return tuple(sorted(str(v) for v in value))
    return None if value in ("", None) else value


@rule("conversations.service-webhook-changed", severity="warning", families=SERVICE,
      kind="overwrite", stack="conversations")
def service_webhook_changed(ctx: RuleContext) -> Iterator[Hit]:
    """The Flex Conversations service's or the account's Conversations webhooks changed.

    **Why it matters.** These webhooks see (pre-event: may reject) every conversation event.
    A pre-event webhook added or moved is critical: "Conversations webhooks have a maximum
    timeout of 5 seconds" and a rejected or failed `onConversationAdd` drops the message. A
    changed post-event URL, method, filter list or target (`flex`/`webhook`, whose effect is
    not documented) is a warning: a dev host left in production, or Flex's own hooks gone.

    **Fix by hand.** Compare `details.changes` with what your integration expects. Service:
    `POST https://conversations.twilio.com/v1/Services/{IS}/Configuration/Webhooks` with
    `PreWebhookUrl`, `PostWebhookUrl`, `Method`, `Filters`. Account:
    `POST https://conversations.twilio.com/v1/Configuration/Webhooks` (also `Target`). If the
    change was intended, `flex-watchdog baseline accept`.

    **Heal.** None.
    """
    if ctx.baseline is None:
        return
    default = ctx.topology.default_service_sid
    current = [w for w in ctx.snapshot.of_type("conversations_service_webhooks")
               if w.sid == default] + ctx.snapshot.of_type("conversations_webhooks")
    for new in current:
        old = ctx.baseline.get(new.type, new.sid)
        changes = _webhook_changes(old, new) if old is not None else []
        if not changes:
            continue
        pre = next((c for c in changes if c["field"] == "pre_webhook_url" and c["after"]), None)
        where = "the Flex Conversations service's" if new.type.endswith("service_webhooks") \
            else "the account's"
        yield Hit(new.type, new.sid,
                  f"{where} Conversations webhooks changed: "
                  + ", ".join(str(c["field"]) for c in changes),
                  {"changes": changes, "stack": "conversations"},
                  severity=Severity.CRITICAL if pre else None)


@rule("conversations.agent-role-changed", severity="warning", families=SERVICE,
      healable=True, kind="overwrite", stack="conversations")
def agent_role_changed(ctx: RuleContext) -> Iterator[Hit]:
    """The Flex service's `agent` conversation role lacks a permission Twilio documents for it.

    **Why it matters.** Flex adds agents to conversations with the `agent` role; Twilio's Flex
    documentation lists its permissions and says not to modify them. Without `sendMessage`
    agents cannot reply; without `leaveConversation` they cannot end the chat.

    **Fix by hand.** Add the permissions in `details.missing_permissions` back:
    `POST https://conversations.twilio.com/v1/Services/{IS}/Roles/{RL}` with one `Permission`
    parameter for each permission the role must have (the list replaces the role's own).

    **Heal.** Writes the role's current permissions plus the missing ones (never removes one),
    after reading the role again.
    """
    default = ctx.topology.default_service_sid
    for role in ctx.snapshot.of_type("conversations_role"):
        if role.get("chat_service_sid") != default or role.get("friendly_name") != "agent" \
                or role.get("type") != "conversation":
            continue
        have = [str(p) for p in role.get("permissions") or ()]
        missing = [p for p in AGENT_PERMISSIONS if p not in have]
        if missing:
            yield Hit("conversations_role", role.sid,
                      f"The agent role ({role.sid}) of the Flex Conversations service lacks "
                      + ", ".join(missing),
                      {"chat_service_sid": default, "permissions": have,
                       "missing_permissions": missing, "stack": "conversations"})
