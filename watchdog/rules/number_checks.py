"""The logic of the numbers.* rules: where each Flex number's calls and messages go."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from watchdog.model.snapshot import Resource
from watchdog.model.topology import Stack
from watchdog.model.urls import blank, classify, flow_url, proxy_message_url
from watchdog.rules.context import RuleContext
from watchdog.rules.helpers import (
    FlexNumber,
    affected,
    flex_numbers,
    flow_label,
    legacy_numbers,
    parsed,
)
from watchdog.rules.registry import Hit
from watchdog.rules.send_to_flex import CALL, Workspace, check_channel, check_workflow

NUMBER_FAMILIES = ("configuration", "numbers", "flex_flows", "proxy", "conversations")


def _describe(ctx: RuleContext, url: object) -> str:
    target = classify(url)
    if target.kind == "none":
        return "is blank"
    if target.kind == "studio" and target.sid:
        return f"points at Studio flow {flow_label(ctx, target.sid)}"
    if target.kind.startswith("proxy") and target.sid:
        gone = ctx.snapshot.get("proxy_service", target.sid) is None
        return f"points at Proxy Service {target.sid}" + (" (deleted)" if gone else "")
    return f"points at {url}"


def _hit(number: FlexNumber, summary: str, **details: Any) -> Hit:
    return Hit("phone_number", number.sid, f"{number.phone} ({number.sid}): {summary}",
               number.details(**details))


# -- voice -----------------------------------------------------------------------------------
def expected_voice_flows(ctx: RuleContext, number: Resource) -> tuple[set[str], str] | None:
    """The Studio flows the number's calls should go to, and why (baseline or default name)."""
    old = ctx.baseline.get("phone_number", number.sid) if ctx.baseline else None
    if old is None:
        named = {f.sid for f in ctx.topology.flows_named(ctx.settings.flex.voice_flow_name)}
        return (named, "default") if named else None
    target = classify(old.get("voice_url"))
    if old.get("voice_application_sid") or old.get("trunk_sid") or target.kind != "studio":
        return None  # the baseline did not route calls to Studio: drift rules cover changes
    expected = {str(target.sid)}
    if target.sid not in ctx.topology.flows and ctx.baseline is not None:
        old_flow = ctx.baseline.get("studio_flow", target.sid)
        if old_flow is not None:  # recreated under the same name: pointing there is right
            expected |= {f.sid for f in ctx.topology.flows_named(str(old_flow.name))}
    return expected, "baseline"


def _missing_flow(ctx: RuleContext, url: object) -> str | None:
    target = classify(url)
    if target.kind == "studio" and target.account_sid == ctx.account_sid and target.sid \
            and target.sid not in ctx.topology.flows:
        return target.sid
    return None


def voice_overwritten_hits(ctx: RuleContext) -> Iterator[Hit]:
    for number in flex_numbers(ctx):
        found = expected_voice_flows(ctx, number.resource)
        if found is None:
            continue
        expected, source = found
        res = number.resource
        url = res.get("voice_url")
        target = classify(url)
        if not (res.get("voice_application_sid") or res.get("trunk_sid")):
            if target.kind == "studio" and target.sid in expected \
                    and target.account_sid == ctx.account_sid:
                continue
            if _missing_flow(ctx, url):
                continue  # numbers.voice-flow-missing
            if target.kind == "studio" and target.account_sid == ctx.account_sid \
                    and hands_calls_to_flex(ctx, str(target.sid)):
                continue  # a deliberate move: calls still reach Flex (baseline drift says so)
        yield _voice_hit(ctx, number, sorted(expected), source)


def hands_calls_to_flex(ctx: RuleContext, flow_sid: str) -> bool:
    """Whether the flow's published revision takes an incoming call to a Send to Flex widget
    whose workflow and channel are right (judged only when TaskRouter is known: a widget that
    cannot be checked is not called broken)."""
    flow = ctx.topology.flows.get(flow_sid)
    definition = parsed(flow, ctx.memo) if flow is not None else None
    widgets = [w for w in definition.send_to_flex if CALL in w.triggers] if definition else []
    if not ctx.snapshot.complete("configuration", "taskrouter"):
        return bool(widgets)
    workspace = Workspace.of(ctx.topology, ctx.baseline)
    return any(check_workflow(w, workspace) is None and check_channel(w, workspace) is None
               for w in widgets)


def _voice_hit(ctx: RuleContext, number: FlexNumber, expected: list[str], source: str) -> Hit:
    res = number.resource
    app, trunk = res.get("voice_application_sid"), res.get("trunk_sid")
    if trunk or app:
        what = f"calls go to SIP trunk {trunk}" if trunk else f"calls go to TwiML App {app}"
    else:
        what = f'"A call comes in" {_describe(ctx, res.get("voice_url"))}'
    live = [s for s in expected if s in ctx.topology.flows]
    heal_url = flow_url(ctx.account_sid, live[0]) if len(live) == 1 else None
    labels = " or ".join(flow_label(ctx, s) for s in expected)
    return _hit(number, f"{what}, not Studio flow {labels}",
                expected_flow_sids=expected, expected_from=source, expected_voice_url=heal_url,
                voice_url=res.get("voice_url"), voice_method=res.get("voice_method"),
                voice_application_sid=app, trunk_sid=trunk)


def voice_flow_missing_hits(ctx: RuleContext) -> Iterator[Hit]:
    for number in flex_numbers(ctx):
        res = number.resource
        if res.get("voice_application_sid") or res.get("trunk_sid"):
            continue  # voice_url is not used
        sid = _missing_flow(ctx, res.get("voice_url"))
        if sid:
            yield _hit(number, f'"A call comes in" points at Studio flow {flow_label(ctx, sid)}, '
                       "which no longer exists", flow_sid=sid, voice_url=res.get("voice_url"),
                       affected=affected("studio_flow", [sid]))


# -- messaging -------------------------------------------------------------------------------
def gone_proxy(ctx: RuleContext, number: FlexNumber) -> str | None:
    """The deleted Proxy Service this number's "A message comes in" still posts to (a Flex Proxy
    Service exists now: System Checkup re-created it), or None."""
    proxy, res = ctx.topology.flex_proxy, number.resource
    target = classify(res.get("sms_url"))
    if proxy is None or res.get("sms_application_sid") or target.kind != "proxy-message" \
            or not target.sid or target.sid == proxy.sid \
            or target.account_sid != ctx.account_sid:
        return None
    return target.sid if ctx.snapshot.get("proxy_service", target.sid) is None else None


def message_overwritten_hits(ctx: RuleContext) -> Iterator[Hit]:
    proxy = ctx.topology.flex_proxy
    if proxy is None:
        return  # proxy.service-missing explains it
    expected = proxy_message_url(ctx.account_sid, proxy.sid)
    replaced: dict[str, list[FlexNumber]] = {}
    for number in legacy_numbers(ctx):
        res = number.resource
        target, app = classify(res.get("sms_url")), res.get("sms_application_sid")
        if not app and target.kind == "proxy-message" and target.sid == proxy.sid \
                and target.account_sid == ctx.account_sid:
            continue
        old = gone_proxy(ctx, number)
        if old is not None:  # one cause: reported once, for every number it explains
            replaced.setdefault(old, []).append(number)
            continue
        what = (f"messages go to TwiML App {app}" if app
                else f'"A message comes in" {_describe(ctx, res.get("sms_url"))}')
        yield _hit(number, f'{what}, not the Flex Proxy Service ({proxy.sid})',
                   expected_sms_url=expected, proxy_service_sid=proxy.sid,
                   sms_url=res.get("sms_url"), sms_method=res.get("sms_method"),
                   sms_application_sid=app, affected=[])
    for old, numbers in sorted(replaced.items()):
        yield _replaced_proxy_hit(ctx, old, numbers, expected)


def _replaced_proxy_hit(ctx: RuleContext, old: str, numbers: list[FlexNumber],
                        expected: str) -> Hit:
    """One finding for a deleted (re-created) Proxy Service: every number still posting to it,
    and the pool entries of those numbers that the new service lacks."""
    topo = ctx.topology
    proxy = topo.flex_proxy
    assert proxy is not None
    unpooled = [n.sid for n in numbers if not _pooled(ctx, n)]
    phones = ", ".join(n.phone for n in numbers[:5]) + (" ..." if len(numbers) > 5 else "")
    summary = (f"Proxy Service {old} (deleted) still gets the messages of {len(numbers)} legacy "
               f"Flex number(s) ({phones}), not the Flex Proxy Service ({proxy.sid})"
               + (f"; {len(unpooled)} of them are not in its pool" if unpooled else ""))
    return Hit("proxy_service", old, summary, {
        "deleted_proxy_service_sid": old, "proxy_service_sid": proxy.sid,
        "expected_sms_url": expected,
        "numbers": [{"sid": n.sid, "phone_number": n.phone, "sms_url": n.resource.get("sms_url"),
                     "sms_method": n.resource.get("sms_method"),
                     "in_flex_proxy_pool": n.sid not in unpooled} for n in numbers],
        "affected": affected("phone_number", [n.sid for n in numbers])
        + affected("proxy_phone_number", unpooled)})


def _pooled(ctx: RuleContext, number: FlexNumber) -> bool:
    topo = ctx.topology
    return number.phone in topo.proxy_pool or number.sid in topo.proxy_pool_sids


def message_on_conversations_hits(ctx: RuleContext) -> Iterator[Hit]:
    for number in flex_numbers(ctx):
        if number.stack != "conversations" or number.from_baseline:
            continue
        res = number.resource
        url, app = res.get("sms_url"), res.get("sms_application_sid")
        if blank(url) and blank(app):
            continue
        what = f"TwiML App {app} handles messages" if app else f'"A message comes in" is {url}'
        addresses = ctx.topology.addresses_by_number.get(number.phone, [])
        yield _hit(number, f"{what}: on a Flex Conversations number it runs in parallel with the "
                   "address's auto-creation", sms_url=url, sms_application_sid=app,
                   address_configurations=[a.sid for a in addresses])


def flex_flow_missing_hits(ctx: RuleContext) -> Iterator[Hit]:
    by_identity = ctx.topology.flex_flows_by_identity
    for number in legacy_numbers(ctx):
        if number.phone in by_identity:
            continue
        gone = [f.sid for f in (ctx.baseline.of_type("flex_flow") if ctx.baseline else [])
                if f.get("contact_identity") == number.phone]
        yield _hit(number, "legacy Flex number with no Flex Flow (no flow has it as "
                   "contact_identity): its messages reach no agent",
                   baseline_flex_flows=gone, affected=affected("flex_flow", gone))


def proxy_registration_hits(ctx: RuleContext) -> Iterator[Hit]:
    topo = ctx.topology
    proxy = topo.flex_proxy
    if proxy is None:
        return  # proxy.service-missing explains it
    for number in legacy_numbers(ctx):
        if _pooled(ctx, number) or gone_proxy(ctx, number) is not None:
            continue  # in the pool, or reported with the deleted Proxy Service it posts to
        yield _hit(number, f"not in the Flex Proxy Service's number pool ({proxy.sid})",
                   proxy_service_sid=proxy.sid,
                   affected=affected("proxy_phone_number", [number.sid]))


def stack_conflict_hits(ctx: RuleContext) -> Iterator[Hit]:
    topo = ctx.topology
    for number in flex_numbers(ctx):
        if number.stack != Stack.BOTH or number.from_baseline:
            continue
        flows = [f.sid for f in topo.flex_flows_by_identity.get(number.phone, [])]
        addresses = [a.sid for a in topo.addresses_by_number.get(number.phone, [])]
        yield _hit(number, "configured for both legacy Flex messaging and Flex Conversations",
                   flex_flows=flows, address_configurations=addresses,
                   in_proxy_pool=number.phone in topo.proxy_pool, sms_url=number.resource.get(
                       "sms_url"))
