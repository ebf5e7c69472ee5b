"""Monitor Events (the account's change log) and Debugger alerts: records and list filters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time
from typing import Any

from watchdog.simulator.errors import bad_request
from watchdog.simulator.records import MONITOR, Record
from watchdog.simulator.sids import parse_iso

#: Documentation-range addresses (RFC 5737) for changes made outside the simulator's HTTP API.
CONSOLE_IP = "203.0.113.10"
SCRIPT_IP = "198.51.100.7"


def event_record(account_sid: str, sid: str, when: str, *, event_type: str, resource_type: str,
                 resource_sid: str, resource_url: str | None, actor_type: str,
                 actor_sid: str | None, source: str, source_ip_address: str | None,
                 event_data: dict[str, Any] | None, description: str | None = None) -> Record:
    """A Monitor Event (``AE``)."""
    account_url = f"https://api.twilio.com/2010-04-01/Accounts/{account_sid}"
    actor_url = (f"{account_url}/Users/{actor_sid}" if actor_sid and actor_sid.startswith("US")
                 else account_url)
    return {
        "account_sid": account_sid, "actor_sid": actor_sid, "actor_type": actor_type,
        "description": description, "event_data": event_data, "event_date": when,
        "event_type": event_type, "resource_sid": resource_sid, "resource_type": resource_type,
        "sid": sid, "source": source, "source_ip_address": source_ip_address,
        "url": f"{MONITOR}/Events/{sid}",
        "links": {"actor": actor_url, "resource": resource_url or account_url},
    }


def changed_properties(before: Mapping[str, Any],
                       after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {"previous": old, "updated": new}}`` for every field whose value changed."""
    ignored = {"date_updated"}
    return {key: {"previous": before.get(key), "updated": value}
            for key, value in after.items() if key not in ignored and before.get(key) != value}


def alert_record(account_sid: str, sid: str, when: str, *, error_code: str,
                 log_level: str, alert_text: str, resource_sid: str | None,
                 service_sid: str | None, request_url: str | None,
                 request_method: str | None, more_info: str | None) -> Record:
    """A Debugger alert (``NO``) as ``/v1/Alerts`` lists it."""
    return {
        "account_sid": account_sid, "alert_text": alert_text, "api_version": "2010-04-01",
        "date_created": when, "date_generated": when, "date_updated": when,
        "error_code": error_code, "log_level": log_level,
        "more_info": more_info or f"https://www.twilio.com/docs/errors/{error_code}",
        "request_method": request_method, "request_url": request_url,
        "resource_sid": resource_sid, "sid": sid, "url": f"{MONITOR}/Alerts/{sid}",
        "service_sid": service_sid,
    }


def _bound(query: Mapping[str, str], name: str, end: bool) -> datetime | None:
    text = query.get(name)
    if not text:
        return None
    try:
        moment = parse_iso(text)
    except ValueError:
        raise bad_request(f"Invalid {name}: {text!r} is not an ISO 8601 date") from None
    if end and len(text.strip()) == 10:  # a bare date ends at the end of that day
        moment = datetime.combine(moment.date(), time.max, moment.tzinfo)
    return moment


def _in_window(value: str, start: datetime | None, stop: datetime | None) -> bool:
    moment = parse_iso(value)
    return (start is None or moment >= start) and (stop is None or moment <= stop)


def filter_events(events: Iterable[Record], query: Mapping[str, str]) -> list[Record]:
    """Events matching the list filters, newest first (as Twilio lists them)."""
    start, stop = _bound(query, "StartDate", False), _bound(query, "EndDate", True)
    exact = {"ResourceSid": "resource_sid", "EventType": "event_type",
             "ActorSid": "actor_sid", "SourceIpAddress": "source_ip_address"}
    wanted = {field: query[param] for param, field in exact.items() if query.get(param)}
    chosen = [event for event in events
              if all(event.get(field) == value for field, value in wanted.items())
              and _in_window(event["event_date"], start, stop)]
    return chosen[::-1]


def filter_alerts(alerts: Iterable[Record], query: Mapping[str, str]) -> list[Record]:
    """Alerts matching ``LogLevel``/``StartDate``/``EndDate``, newest first."""
    start, stop = _bound(query, "StartDate", False), _bound(query, "EndDate", True)
    level = query.get("LogLevel")
    chosen = [(parse_iso(alert["date_generated"]), index, alert)
              for index, alert in enumerate(alerts)
              if (not level or alert["log_level"] == level)
              and _in_window(alert["date_generated"], start, stop)]
    return [alert for _, _, alert in sorted(chosen, key=lambda item: item[:2], reverse=True)]
