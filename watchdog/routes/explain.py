"""Which finding explains a broken hop: the rules that judge each hop kind, and an index of the
findings by every SID they name (their resource and ``details.affected``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from watchdog.model.findings import Finding, Severity

# Rules whose finding on a hop's resource (or naming it as affected) breaks the hop.
VOICE_NUMBER = frozenset({"numbers.voice-webhook-overwritten"})
LEGACY_NUMBER = frozenset({"numbers.message-webhook-overwritten"})
# With the Flex Proxy Service gone, a webhook pointing elsewhere is explained by
# proxy.service-missing (there is no service for "A message comes in" to point at).
LEGACY_NUMBER_NO_PROXY = LEGACY_NUMBER | {"proxy.service-missing"}
CONVERSATIONS_NUMBER = frozenset({"numbers.message-webhook-set-on-conversations",
                                  "messaging.service-intercepts-conversations"})
SENDER = frozenset({"whatsapp.sender-offline"})
PROXY = frozenset({"proxy.service-missing", "numbers.proxy-registration-missing"})
FLEX_FLOW = frozenset({"numbers.flex-flow-missing", "flex.flow-chat-service-mismatch",
                       "chat.service-missing"})
ADDRESS = frozenset({"conversations.address-missing",
                     "conversations.address-autocreation-disabled",
                     "conversations.address-integration-invalid"})
SERVICE = frozenset({"conversations.default-service-missing",
                     "conversations.default-service-changed",
                     "conversations.address-service-missing"})
STUDIO_FLOW = frozenset({"flex.flow-studio-flow-missing", "numbers.voice-flow-missing",
                         "conversations.address-studio-flow-missing", "studio.flow-unpublished"})
TRIGGER = frozenset({"studio.conversation-trigger-unwired", "studio.send-to-flex-attributes-invalid",
                     "studio.send-to-flex-channelsid-overridden"})
WORKFLOW = frozenset({"studio.send-to-flex-workflow-invalid", "taskrouter.workspace-missing"})
TASK_CHANNEL = frozenset({"studio.send-to-flex-channel-invalid", "taskrouter.workspace-missing"})
TASK_QUEUE = frozenset({"taskrouter.workflow-queue-missing"})


class Explainer:
    """The findings that can break a hop, by every SID they name."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self.index: dict[str, list[Finding]] = {}
        for finding in findings:
            if not _breaks(finding):
                continue
            for sid in dict.fromkeys([finding.resource_sid, *_affected(finding)]):
                self.index.setdefault(sid, []).append(finding)

    def find(self, rules: frozenset[str], anchors: Iterable[str | None],
             trigger: str | None = None, widget: str | None = None) -> Finding | None:
        """The first finding of ``rules`` naming one of ``anchors``; a Send to Flex finding
        only when one of its widgets is ``widget`` reached by ``trigger``."""
        index = self.index
        if not index:
            return None
        for anchor in anchors:
            for finding in index.get(anchor or "", ()):
                if finding.rule in rules and _widget_matches(finding, trigger, widget):
                    return finding
        return None

    def names(self, rules: frozenset[str], sid: str) -> bool:
        found = self.index.get(sid)
        return found is not None and any(f.rule in rules for f in found)

    def names_any(self, sid: str) -> bool:
        return sid in self.index

    def stack_of(self, sid: str) -> str | None:
        """The messaging stack a finding on phone number ``sid`` says it has (or had)."""
        for finding in self.index.get(sid, ()):
            stack = finding.details.get("stack")
            if finding.resource_sid == sid and stack in ("legacy", "conversations", "both"):
                return str(stack)
        return None


def _breaks(finding: Finding) -> bool:
    if finding.severity == Severity.INFO or finding.rule.startswith(("baseline.", "heal.")):
        return False
    # Unpublished changes leave the last published revision running: only "never published"
    # stops traffic.
    return finding.rule != "studio.flow-unpublished" or bool(
        finding.details.get("never_published"))


def _affected(finding: Finding) -> list[str]:
    found = finding.details.get("affected")
    return [str(a["sid"]) for a in found if isinstance(a, Mapping) and a.get("sid")] \
        if isinstance(found, list) else []


def _widget_matches(finding: Finding, trigger: str | None, widget: str | None) -> bool:
    widgets = finding.details.get("widgets")
    if trigger is None or not isinstance(widgets, list):
        return True
    for item in widgets:
        if not isinstance(item, Mapping):
            continue
        if widget is not None and item.get("widget") not in (None, widget):
            continue
        if trigger in (item.get("triggers") or [trigger]):
            return True
    return False
