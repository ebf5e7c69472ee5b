"""Services and configuration: the Chat Service, the Flex Proxy Service, the TaskRouter Workspace."""

from __future__ import annotations

from collections.abc import Iterator

from watchdog.model.topology import WORKSPACE_CHILDREN, Stack
from watchdog.rules.context import RuleContext
from watchdog.rules.registry import Hit, rule

FLEX_PROXY_PLACEHOLDER = "flex-proxy-service"


@rule("chat.service-missing", severity="critical", families=("configuration", "chat"))
def chat_service_missing(ctx: RuleContext) -> Iterator[Hit]:
    """The Chat Service named by the Flex Configuration no longer exists.

    **Why it matters.** Legacy Flex messaging (SMS, WhatsApp, webchat) runs every conversation in a
    Programmable Chat channel of this service. Without it no message reaches an agent, and the
    Flex UI cannot get a chat token.

    **Fix by hand** (the recovery guide, "Servicio de Chat"):
    1. Console → Flex → System Checkup (or Flex → Manage → Messaging) recreates a Chat Service.
    2. Point every Flex Flow at the new service: `POST https://flex-api.twilio.com/v1/FlexFlows/{FO}`
       with `ChatServiceSid=IS...` for each flow (see `flex.flow-chat-service-mismatch`).
    3. Recreate the Flex Proxy Service so its `chat_instance_sid` is the new service
       (see `proxy.service-missing`), then reload every open Flex UI for a new token.

    **Heal.** None: services are never created or deleted automatically.
    """
    topo = ctx.topology
    sid = topo.chat_service_sid
    if not sid or ctx.snapshot.get("chat_service", sid):
        return
    flows = [f for f in ctx.snapshot.of_type("flex_flow") if f.get("chat_service_sid") == sid]
    yield Hit("chat_service", sid,
              f"Chat Service {sid} named by the Flex Configuration no longer exists",
              {"chat_service_sid": sid, "flex_flows_using_it": [f.sid for f in flows],
               "affected": [{"type": "flex_flow", "sid": f.sid} for f in flows]})


@rule("proxy.service-missing", severity="critical",
      families=("configuration", "proxy", "flex_flows", "numbers"), stack="legacy")
def proxy_service_missing(ctx: RuleContext) -> Iterator[Hit]:
    """Legacy Flex is in use and no Flex Proxy Service exists.

    **Why it matters.** Every legacy Flex number's "A message comes in" posts to the Flex Proxy
    Service, which forwards the SMS into the chat channel Flex watches. Without the service,
    inbound messages are lost.

    **Fix by hand** (the recovery guide, "Servicio Proxy"): run Console → Flex → System Checkup,
    which creates a new "Flex Proxy Service" (and a new Messaging and Webchat Studio flow plus a
    webchat Flex Flow: delete those if your existing flows work). Then re-point each Flex number's
    "A message comes in" to the new service
    (`POST https://api.twilio.com/2010-04-01/Accounts/{AC}/IncomingPhoneNumbers/{PN}.json` with
    `SmsUrl=https://webhooks.twilio.com/v1/Accounts/{AC}/Proxy/{KS}/Webhooks/Message`) and add
    each number to its pool (`POST https://proxy.twilio.com/v1/Services/{KS}/PhoneNumbers`, `Sid=PN...`).

    **Heal.** None: services are never created automatically.
    """
    topo = ctx.topology
    if topo.flex_proxy is not None:
        return
    base = ctx.baseline_topology
    legacy_now = bool(ctx.snapshot.of_type("flex_flow")) or any(
        s in (Stack.LEGACY, Stack.BOTH) for s in topo.stacks.values())
    had_proxy = base is not None and base.flex_proxy is not None
    if not (legacy_now or had_proxy):
        return
    sid = base.flex_proxy.sid if base is not None and base.flex_proxy else FLEX_PROXY_PLACEHOLDER
    numbers = [n for n in topo.flex_numbers if topo.stacks[n.sid] in (Stack.LEGACY, Stack.BOTH)]
    pool = list(base.proxy_pool.values()) if base is not None else []
    yield Hit("proxy_service", sid,
              f'No Flex Proxy Service ("{ctx.settings.flex.proxy_service_name}") exists, '
              f"and legacy Flex messaging is in use ({len(numbers)} numbers)",
              {"last_known_sid": None if sid == FLEX_PROXY_PLACEHOLDER else sid,
               "legacy_numbers": [n.name for n in numbers],
               "affected": [{"type": "phone_number", "sid": n.sid} for n in numbers]
               + [{"type": "proxy_phone_number", "sid": p.sid} for p in pool]})


@rule("taskrouter.workspace-missing", severity="critical", families=("configuration", "taskrouter"))
def workspace_missing(ctx: RuleContext) -> Iterator[Hit]:
    """The TaskRouter Workspace named by the Flex Configuration no longer exists.

    **Why it matters.** Every task (call, chat, SMS) is routed by a workflow of this workspace;
    every Send to Flex widget points at one. Nothing reaches an agent.

    **Fix by hand** (the recovery guide, "Espacio de trabajo de TaskRouter"): run Console → Flex →
    System Checkup to create a new workspace. Then, in every Studio flow, open each Send to Flex
    widget, select the new workflow (default "Assign to Anyone") and the channel (Voice for the
    Voice IVR, Programmable Chat for Messaging and Webchat) and **publish** each flow.

    **Heal.** None: workspaces are never created automatically.
    """
    sid = ctx.topology.workspace_sid
    if not sid or ctx.snapshot.get("taskrouter_workspace", sid):
        return
    flows = sorted(ctx.topology.flex_flow_sids())
    old = ctx.baseline.resources() if ctx.baseline else iter(())
    held = [r for r in old if r.type in WORKSPACE_CHILDREN and r.get("workspace_sid") == sid]
    yield Hit("taskrouter_workspace", sid,
              f"TaskRouter Workspace {sid} named by the Flex Configuration no longer exists",
              {"workspace_sid": sid, "studio_flows_to_repoint": flows,
               "affected": [{"type": "studio_flow", "sid": s} for s in flows]
               + [{"type": r.type, "sid": r.sid} for r in held]})
