"""Phone numbers (the recovery guide's "Números de teléfono" section), per stack.

Only Flex numbers are checked: legacy, Conversations or both, now or in the baseline
(``details.stack`` says which). The logic lives in ``number_checks``; this module is the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator

from watchdog.rules import number_checks as checks
from watchdog.rules.context import RuleContext
from watchdog.rules.registry import Hit, rule

FAMILIES = checks.NUMBER_FAMILIES
VOICE_FAMILIES = (*FAMILIES, "studio")


@rule("numbers.voice-webhook-overwritten", severity="critical", families=VOICE_FAMILIES,
      healable=True, kind="overwrite")
def voice_webhook_overwritten(ctx: RuleContext) -> Iterator[Hit]:
    """A Flex number's "A call comes in" no longer points at its Studio flow.

    **Why it matters.** Calls to the number no longer reach the IVR that sends them to Flex.
    The expected flow is the one the number pointed at in the accepted baseline, or the flow named
    "Voice IVR" (setting `flex.voice_flow_name`) without a baseline. A TwiML App
    (`voice_application_sid`) or SIP trunk (`trunk_sid`) on the number overrides `voice_url` and
    counts as an overwrite too. A number moved onto another published flow whose incoming calls
    reach a valid Send to Flex widget still reaches Flex: that deliberate move is reported as
    drift by `baseline.resource-changed` (info), not here.

    **Fix by hand** (the recovery guide, "Números de teléfono"): Console → Phone Numbers → Manage →
    Active numbers → the number → Voice Configuration → "A call comes in": Studio Flow → the flow
    in `details.expected_flow_sids` → Save. By API:
    `POST https://api.twilio.com/2010-04-01/Accounts/{AC}/IncomingPhoneNumbers/{PN}.json` with
    `VoiceUrl=https://webhooks.twilio.com/v1/Accounts/{AC}/Flows/{FW}`, `VoiceMethod=POST` and,
    if set, `VoiceApplicationSid=` (empty) or `TrunkSid=` (empty).

    **Heal.** Sets `VoiceUrl` to `details.expected_voice_url` and `VoiceMethod=POST`, only when
    exactly one expected flow exists and no TwiML App or trunk is set.
    """
    yield from checks.voice_overwritten_hits(ctx)


@rule("numbers.voice-flow-missing", severity="critical", families=VOICE_FAMILIES)
def voice_flow_missing(ctx: RuleContext) -> Iterator[Hit]:
    """A Flex number's "A call comes in" points at a Studio flow that no longer exists.

    **Why it matters.** Every call to the number fails at once: the webhook names a deleted flow.
    One finding per number, naming the flow; the Flex Flows using the same flow are reported by
    `flex.flow-studio-flow-missing`.

    **Fix by hand** (the recovery guide, "Studio Flows" and "Números de teléfono"): recreate the
    flow (Console → Studio → Create new Flow, or import its JSON with
    `POST https://studio.twilio.com/v2/Flows` with `FriendlyName`, `Status=published`,
    `Definition`), then point the number at it: Console → Phone Numbers → the number →
    "A call comes in" → Studio Flow, or
    `POST https://api.twilio.com/2010-04-01/Accounts/{AC}/IncomingPhoneNumbers/{PN}.json` with
    `VoiceUrl=https://webhooks.twilio.com/v1/Accounts/{AC}/Flows/{FW}`.

    **Heal.** None: a deleted flow is never recreated automatically.
    """
    yield from checks.voice_flow_missing_hits(ctx)


@rule("numbers.message-webhook-overwritten", severity="critical", families=FAMILIES,
      healable=True, kind="overwrite", stack="legacy")
def message_webhook_overwritten(ctx: RuleContext) -> Iterator[Hit]:
    """A legacy Flex number's "A message comes in" does not point at the Flex Proxy Service.

    **Why it matters.** Legacy Flex SMS flows number → Flex Proxy Service → chat channel → Flex
    Flow → Studio → agent. Any other webhook, or a TwiML App (`sms_application_sid`, which
    overrides `sms_url`), takes inbound messages away from Flex. Never raised for Flex
    Conversations numbers (their handler must stay blank) nor when no Flex Proxy Service exists
    (`proxy.service-missing`).

    Numbers that still post to a Proxy Service that no longer exists (System Checkup re-created
    the Flex Proxy Service under a new SID) have one cause: one finding on the deleted service
    (`proxy_service`), with the numbers and the pool entries the new service lacks in
    `details.affected` (`details.numbers` gives each one's webhook), instead of one finding per
    number and a `numbers.proxy-registration-missing` per pool entry.

    **Fix by hand** (the recovery guide, "Números de teléfono"): Console → Phone Numbers → the
    number → Messaging Configuration → "A message comes in": Proxy Service → "Flex Proxy Service"
    → Save. By API:
    `POST https://api.twilio.com/2010-04-01/Accounts/{AC}/IncomingPhoneNumbers/{PN}.json` with
    `SmsUrl=https://webhooks.twilio.com/v1/Accounts/{AC}/Proxy/{KS}/Webhooks/Message`,
    `SmsMethod=POST` and, if set, `SmsApplicationSid=` (empty).

    **Heal.** Sets `SmsUrl` to `details.expected_sms_url` and `SmsMethod=POST`, only on a number
    positively legacy (a Flex Flow has it, no Conversations address does); on each number
    `details.affected` lists for a deleted Proxy Service. A TwiML App (`SmsApplicationSid`) on
    the number is left to a human: the heal refuses.
    """
    yield from checks.message_overwritten_hits(ctx)


@rule("numbers.message-webhook-set-on-conversations", severity="warning", families=FAMILIES,
      healable=True, kind="overwrite", stack="conversations")
def message_webhook_set_on_conversations(ctx: RuleContext) -> Iterator[Hit]:
    """A Flex Conversations number has a non-blank "A message comes in".

    **Why it matters.** For a number with a Conversations address configuration, Twilio requires
    the number's messaging handler to be blank: a webhook or TwiML App there "will be executed in
    parallel to executing the auto-creation functionality defined in the Conversation address",
    so customers may get duplicate or stray replies.

    **Fix by hand.** Console → Phone Numbers → the number → Messaging Configuration → clear
    "A message comes in" (and any TwiML App) → Save. By API:
    `POST https://api.twilio.com/2010-04-01/Accounts/{AC}/IncomingPhoneNumbers/{PN}.json` with
    `SmsUrl=` (empty) and `SmsApplicationSid=` (empty). Do **not** point it at the Flex Proxy
    Service: that is the legacy stack.

    **Heal.** Off unless `rules.numbers.message-webhook-set-on-conversations.autoheal` is on:
    blanks `SmsUrl` and `SmsApplicationSid`, only on a number whose address has auto-creation
    enabled and that has no legacy structure (Flex Flow, Proxy pool entry). Never "healed"
    towards the Proxy Service.
    """
    yield from checks.message_on_conversations_hits(ctx)


@rule("numbers.flex-flow-missing", severity="critical", families=FAMILIES, stack="legacy")
def flex_flow_missing(ctx: RuleContext) -> Iterator[Hit]:
    """A legacy Flex number has no Flex Flow.

    **Why it matters.** The Flex Proxy Service hands a number's messages to the Flex Flow whose
    `contact_identity` is the number; without one the message fails (error 45205) and no task is
    created.

    **Fix by hand** (the recovery guide, "Números de teléfono"): Console → Flex → Manage →
    Messaging → the number → Register (registering also adds it to the Proxy Service), or create
    the flow: `POST https://flex-api.twilio.com/v1/FlexFlows` with `FriendlyName`,
    `ChatServiceSid=IS...` (the Flex Configuration's), `ChannelType=sms`,
    `ContactIdentity=+1...`, `IntegrationType=studio`, `Integration.FlowSid=FW...` ("Messaging
    Flow") and `Enabled=true`.

    **Heal.** None: a Flex Flow is never created automatically.
    """
    yield from checks.flex_flow_missing_hits(ctx)


@rule("numbers.proxy-registration-missing", severity="warning", families=FAMILIES,
      healable=True, stack="legacy")
def proxy_registration_missing(ctx: RuleContext) -> Iterator[Hit]:
    """A legacy Flex number is not in the Flex Proxy Service's number pool.

    **Why it matters.** Replies from agents and new inbound messages need the number in the pool:
    Twilio raises error 80620 ("Chat Configured Proxy Identifier Not Found ... You removed a
    Flex number from your Proxy pool"). A number that still posts to a deleted (re-created)
    Proxy Service is reported with it by `numbers.message-webhook-overwritten`, not here.

    **Fix by hand** (the recovery guide, "Números de teléfono", registering a number): Console →
    Proxy → "Flex Proxy Service" → Numbers → Add Number, or
    `POST https://proxy.twilio.com/v1/Services/{KS}/PhoneNumbers` with `Sid=PN...`.

    **Heal.** Adds the number to the pool: `POST /v1/Services/{KS}/PhoneNumbers` with `Sid=PN...`.
    """
    yield from checks.proxy_registration_hits(ctx)


@rule("numbers.stack-conflict", severity="warning", families=FAMILIES, kind="other")
def stack_conflict(ctx: RuleContext) -> Iterator[Hit]:
    """A number is configured for both legacy Flex messaging and Flex Conversations.

    **Why it matters.** The number has a legacy structure (a Flex Flow with it as
    `contact_identity`, or an entry in the Flex Proxy Service's pool) *and* a Conversations
    address configuration. Its webhook never decides the stack: a Proxy URL on a Conversations
    number is `numbers.message-webhook-set-on-conversations`. Inbound messages run through both
    stacks (two tasks, or none when one handler swallows them); no heal can be safe until one
    stack is chosen.

    **Fix by hand.** Decide the stack (Programmable Chat for Flex ends on 2026-06-01). For Flex
    Conversations: delete the Flex Flow (`DELETE https://flex-api.twilio.com/v1/FlexFlows/{FO}`),
    remove the number from the Proxy pool
    (`DELETE https://proxy.twilio.com/v1/Services/{KS}/PhoneNumbers/{PN}`) and blank its
    `SmsUrl`. For legacy: delete the address configuration
    (`DELETE https://conversations.twilio.com/v1/Configuration/Addresses/{IG}`).

    **Heal.** None.
    """
    yield from checks.stack_conflict_hits(ctx)
