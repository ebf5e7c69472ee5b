"""Healer for Flex Flows: the Chat Service each flow creates its channels in."""

from __future__ import annotations

from typing import Any

from twilio.rest import Client

from watchdog.healing.healers import Healer, pick, register
from watchdog.healing.model import Change, HealView, Refusal, Request
from watchdog.model.findings import Finding


@register
class FlowChatServiceHealer(Healer):
    """``flex.flow-chat-service-mismatch``: ``ChatServiceSid`` = the Flex Configuration's.

    One finding names every flow using the same wrong Chat Service (``details.flex_flows``);
    each flow is its own heal (budget, breaker, history).
    """

    rule = "flex.flow-chat-service-mismatch"
    families = ("configuration", "flex_flows", "chat")
    resource_type = "flex_flow"

    def targets(self, finding: Finding) -> list[str]:
        return [str(f["sid"]) for f in finding.details.get("flex_flows", []) if f.get("sid")]

    def population(self, view: HealView) -> set[str]:
        return {f.sid for f in view.snapshot.of_type("flex_flow")}

    def plan(self, finding: Finding, view: HealView) -> list[Change | Refusal]:
        expected = view.topology.chat_service_sid
        reason = self._refusal(finding, view, expected)
        out: list[Change | Refusal] = []
        for sid in self.targets(finding):
            flow = view.snapshot.get("flex_flow", sid)
            label = f'"{flow.name}" ({sid})' if flow is not None else sid
            if reason or flow is None or expected is None:
                out.append(Refusal(self.resource_type, sid, label,
                                   reason or "the Flex Flow is not in the snapshot"))
                continue
            url = f"https://flex-api.twilio.com/v1/FlexFlows/{sid}"
            out.append(Change(self.rule, self.resource_type, sid, label,
                              Request("POST", url, {"ChatServiceSid": expected}),
                              {"chat_service_sid": expected},
                              pick(dict(flow.essence), ("chat_service_sid",))))
        return out

    @staticmethod
    def _refusal(finding: Finding, view: HealView, expected: str | None) -> str | None:
        if not expected:
            return "the Flex Configuration names no Chat Service"
        if view.snapshot.get("chat_service", expected) is None:
            return f"Chat Service {expected} does not exist: services are never created by a heal"
        claimed = finding.details.get("expected_chat_service_sid")
        if claimed and claimed != expected:
            return f"the rule expects Chat Service {claimed}, the healer {expected}"
        return None

    def read(self, client: Client, account_sid: str, change: Change) -> dict[str, Any]:
        flow = client.flex_api.v1.flex_flow(change.resource_sid).fetch()
        return pick({"chat_service_sid": flow.chat_service_sid}, ("chat_service_sid",))

    def write(self, client: Client, account_sid: str, change: Change) -> None:
        client.flex_api.v1.flex_flow(change.resource_sid).update(
            chat_service_sid=change.desired["chat_service_sid"])
