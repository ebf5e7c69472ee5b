"""Flex Flows (legacy Flex messaging): their Chat Service and their Studio flow."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from watchdog.model.snapshot import Resource
from watchdog.rules.context import RuleContext
from watchdog.rules.helpers import affected, flow_label
from watchdog.rules.registry import Hit, rule

UNSET = "unset"


@rule("flex.flow-chat-service-mismatch", severity="critical",
      families=("configuration", "flex_flows", "chat"), healable=True, kind="overwrite",
      stack="legacy")
def flow_chat_service_mismatch(ctx: RuleContext) -> Iterator[Hit]:
    """Flex Flows use a Chat Service other than the Flex Configuration's.

    **Why it matters.** A legacy Flex Flow creates each conversation's chat channel in its
    `chat_service_sid`. The Flex UI only watches the Flex Configuration's Chat Service
    (`chat_service_instance_sid`), so messages through a mismatched flow never reach an agent.
    The usual cause is the recovery guide's "Servicio de Chat" case: the Chat Service was deleted
    and System Checkup created a new one, but the Flex Flows still name the old one. One finding
    per wrong Chat Service; `details.flex_flows` lists every flow to update.

    **Fix by hand.** Console → Flex → Manage → Messaging shows the flows, but the Chat Service
    can only be changed through the REST API, one request per flow (the guide's snippet posts to
    the collection `https://flex-api.twilio.com/v1/FlexFlows`, which would *create* a flow):
    ```
    for FO in $(curl -s -u "$AC:$TOKEN" https://flex-api.twilio.com/v1/FlexFlows?PageSize=1000 \\
                | jq -r '.flex_flows[].sid'); do
      curl -X POST "https://flex-api.twilio.com/v1/FlexFlows/$FO" -u "$AC:$TOKEN" \\
           --data-urlencode "ChatServiceSid=IS..."   # the Flex Configuration's Chat Service
    done
    ```
    Then, as the guide says, delete and recreate the Flex Proxy Service so that its
    `chat_instance_sid` is the new service (`details.flex_proxy_chat_instance_sid` shows the
    current one; the steps are under `proxy.service-missing`), and reload every open Flex UI so
    it gets a token for the new service.

    **Heal.** Sets `ChatServiceSid` to the Flex Configuration's Chat Service on each flow listed
    in `details.flex_flows` (`POST /v1/FlexFlows/{FO}`), once per flow.
    """
    expected = ctx.topology.chat_service_sid
    if not expected or ctx.snapshot.get("chat_service", expected) is None:
        return  # chat.service-missing explains it
    groups: dict[str, list[Resource]] = defaultdict(list)
    for flow in ctx.snapshot.of_type("flex_flow"):
        actual = flow.get("chat_service_sid") or UNSET
        if actual != expected:
            groups[str(actual)].append(flow)
    for actual, flows in sorted(groups.items()):
        yield _mismatch_hit(ctx, expected, actual, flows)


def _mismatch_hit(ctx: RuleContext, expected: str, actual: str, flows: list[Resource]) -> Hit:
    exists = actual != UNSET and ctx.snapshot.get("chat_service", actual) is not None
    proxy = ctx.topology.flex_proxy
    state = "exists" if exists else "no longer exists" if actual != UNSET else "is not set"
    names = ", ".join(f'"{f.name}"' for f in flows[:5]) + (" ..." if len(flows) > 5 else "")
    summary = (f"{len(flows)} Flex Flow(s) ({names}) use Chat Service {actual}, which {state}, "
               f"not the Flex Configuration's {expected}")
    details = {
        "expected_chat_service_sid": expected, "actual_chat_service_sid": actual,
        "actual_chat_service_exists": exists,
        "flex_proxy_chat_instance_sid": proxy.get("chat_instance_sid") if proxy else None,
        "flex_flows": [{"sid": f.sid, "friendly_name": f.name,
                        "contact_identity": f.get("contact_identity")} for f in flows],
        "affected": affected("flex_flow", [f.sid for f in flows]),
    }
    return Hit("chat_service", actual, summary, details)


@rule("flex.flow-studio-flow-missing", severity="critical", families=("flex_flows", "studio"),
      stack="legacy")
def flow_studio_flow_missing(ctx: RuleContext) -> Iterator[Hit]:
    """An enabled Flex Flow's Studio integration points at a Studio flow that no longer exists.

    **Why it matters.** Every message on this Flex Flow's channel (an SMS number, webchat, ...)
    is handed to the Studio flow in `integration.flow_sid`. With the flow gone, the console shows
    the Flex Flow as "Configuration Not Found" and the messages go nowhere (error 45205 or none).

    **Fix by hand** (the recovery guide, "Servicio Proxy" and "Servicio de Chat"): if the flow was
    deleted on purpose, also delete this Flex Flow
    (`DELETE https://flex-api.twilio.com/v1/FlexFlows/{FO}`). Otherwise point it at a working
    flow: Console → Flex → Manage → Messaging → the Flex Flow → Studio Flow, or
    `POST https://flex-api.twilio.com/v1/FlexFlows/{FO}` with `IntegrationType=studio` and
    `Integration.FlowSid=FW...` (the default flows are "Messaging Flow" and "Webchat Flow").
    If the Studio flow itself was deleted by accident, recreate it first (see `studio.*` rules).

    **Heal.** None: which flow to use is a human decision.
    """
    flows = ctx.topology.flows
    for flex_flow in ctx.snapshot.of_type("flex_flow"):
        if flex_flow.get("integration_type") != "studio" or flex_flow.get("enabled") is False:
            continue
        integration = flex_flow.get("integration") or {}
        sid = integration.get("flow_sid") if hasattr(integration, "get") else None
        if sid and sid in flows:
            continue
        target = flow_label(ctx, str(sid)) if sid else "no flow"
        yield Hit("flex_flow", flex_flow.sid,
                  f'Flex Flow "{flex_flow.name}" ({flex_flow.sid}) points at Studio flow '
                  f"{target}, which no longer exists",
                  {"flow_sid": sid, "channel_type": flex_flow.get("channel_type"),
                   "contact_identity": flex_flow.get("contact_identity"), "stack": "legacy",
                   "affected": affected("studio_flow", [sid] if sid else [])})
