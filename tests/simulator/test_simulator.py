"""The simulator through the real twilio SDK: paging, auth, writes, Studio, Monitor, faults.

The SDK is pointed at the simulator only by a tiny ``TwilioHttpClient`` subclass that rewrites
``https://<product>.twilio.com/<path>`` to ``<server.url>/<product>/<path>`` (absolute
next-page URLs included); no SDK object is patched.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from watchdog.model.times import utcnow
from watchdog.simulator import Fault, SimulatorServer, World, healthy_legacy, large
from watchdog.simulator.records import proxy_webhook_url


class LoopbackHttpClient(TwilioHttpClient):
    """Sends ``https://<product>.twilio.com/<path>`` to ``<base>/<product>/<path>``."""

    def __init__(self, base: str, timeout: float = 5) -> None:
        super().__init__(timeout=timeout)
        self.base = urlsplit(base)

    def request(self, method: str, url: str, params: Any = None, data: Any = None,
                headers: Any = None, auth: Any = None, timeout: float | None = None,
                allow_redirects: bool = False) -> Response:
        parts = urlsplit(url)
        product = (parts.hostname or "").split(".", 1)[0]
        local = urlunsplit((self.base.scheme, self.base.netloc, f"/{product}{parts.path}",
                            parts.query, ""))
        return super().request(method, local, params=params, data=data, headers=headers,
                               auth=auth, timeout=timeout, allow_redirects=allow_redirects)


def sdk(server: SimulatorServer, *, api_key: bool = False, timeout: float = 5) -> Client:
    world = server.world
    http = LoopbackHttpClient(server.url, timeout=timeout)
    if api_key:
        return Client(world.api_key_sid, world.api_key_secret, account_sid=world.account_sid,
                      http_client=http, environment={"X": "1"})
    return Client(world.account_sid, world.auth_token, http_client=http, environment={"X": "1"})


@pytest.fixture
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(healthy_legacy()) as running:
        yield running


@pytest.fixture
def client(server: SimulatorServer) -> Client:
    return sdk(server)


def raw(server: SimulatorServer, path: str, **kwargs: Any) -> requests.Response:
    world = server.world
    return requests.get(f"{server.url}{path}", auth=(world.account_sid, world.auth_token),
                        timeout=5, **kwargs)


def local(twilio_url: str) -> str:
    """``https://flex-api.twilio.com/v1/X?q`` -> ``/flex-api/v1/X?q``."""
    parts = urlsplit(twilio_url)
    return f"/{(parts.hostname or '').split('.')[0]}{parts.path}?{parts.query}"


# -- pagination ----------------------------------------------------------------------------------
def test_2010_numbers_page_through_relative_uris(server: SimulatorServer, client: Client) -> None:
    numbers = client.incoming_phone_numbers.list(page_size=2)
    assert [n.sid for n in numbers] == list(server.world.store.numbers)
    assert server.requests.count(product="api") == 2
    first = raw(server, f"/api/2010-04-01/Accounts/{server.world.account_sid}"
                        "/IncomingPhoneNumbers.json?PageSize=3").json()
    assert first["next_page_uri"].startswith("/2010-04-01/Accounts/")
    assert "PageToken=PA" in first["next_page_uri"] and "Page=1" in first["next_page_uri"]
    assert (first["start"], first["end"], first["page"], first["page_size"]) == (0, 2, 0, 3)


def test_v1_pages_carry_absolute_twilio_urls_and_filters(client: Client) -> None:
    world = large(numbers=20, studio_flows=3, flex_flows=12)
    with SimulatorServer(world) as server:
        flows = sdk(server).flex_api.v1.flex_flow.list(page_size=5)
        assert len(flows) == 12 and server.requests.count(template="/v1/FlexFlows") == 3
        meta = raw(server, "/flex-api/v1/FlexFlows?PageSize=5&FriendlyName=x").json()["meta"]
        assert meta["key"] == "flex_flows" and meta["next_page_url"] is None
        meta = raw(server, "/flex-api/v1/FlexFlows?PageSize=5").json()["meta"]
        assert meta["next_page_url"].startswith("https://flex-api.twilio.com/v1/FlexFlows?")
        assert "PageToken=PT" in meta["next_page_url"]
        assert meta["first_page_url"] == "https://flex-api.twilio.com/v1/FlexFlows?PageSize=5&Page=0"
        second = raw(server, local(meta["next_page_url"])).json()
        assert second["meta"]["page"] == 1
        back = raw(server, local(second["meta"]["previous_page_url"])).json()
        first = raw(server, "/flex-api/v1/FlexFlows?PageSize=5").json()
        assert [f["sid"] for f in back["flex_flows"]] == [f["sid"] for f in first["flex_flows"]]


def test_filters_survive_paging(server: SimulatorServer, client: Client) -> None:
    number = server.world.number(server.world.flex_numbers[1])["phone_number"]
    found = client.incoming_phone_numbers.list(phone_number=number, page_size=1)
    assert [n.sid for n in found] == [server.world.flex_numbers[1]]
    partial = client.incoming_phone_numbers.list(phone_number="555***01**", page_size=1)
    assert len(partial) == 4


def test_deleting_during_paging_does_not_skip(server: SimulatorServer, client: Client) -> None:
    page = client.incoming_phone_numbers.page(page_size=2)
    first, second, third, fourth = server.world.store.numbers
    server.world.delete(first)  # the page boundary is a cursor: nothing shifts into page 0
    assert [n.sid for n in page.next_page()] == [third, fourth]


def test_page_size_over_the_maximum_is_rejected_or_clamped(server: SimulatorServer) -> None:
    too_big = raw(server, "/conversations/v1/Configuration/Addresses?PageSize=51")
    assert too_big.status_code == 400 and too_big.json()["code"] == 20001
    assert raw(server, "/chat/v2/Services?PageSize=101").status_code == 400
    assert raw(server, "/flex-api/v1/FlexFlows?PageSize=1001").status_code == 400
    proxy = raw(server, "/proxy/v1/Services?PageSize=500").json()["meta"]
    assert proxy["page_size"] == 100  # "A maximum of 100 records will be returned per page"


def test_task_channels_use_the_channels_key(server: SimulatorServer, client: Client) -> None:
    world = server.world
    channels = client.taskrouter.v1.workspaces(world.workspace_sid).task_channels.list()
    assert {c.unique_name: c.sid for c in channels} == world.task_channels
    voice = client.taskrouter.v1.workspaces(world.workspace_sid).task_channels("voice").fetch()
    assert voice.sid == world.task_channels["voice"]


# -- auth and errors -------------------------------------------------------------------------------
def test_api_key_auth_works(server: SimulatorServer) -> None:
    config = sdk(server, api_key=True).flex_api.v1.configuration().fetch()
    assert config.chat_service_instance_sid == server.world.chat_service_sid


def test_wrong_credentials_are_401_20003(server: SimulatorServer) -> None:
    bad = Client(server.world.account_sid, "0" * 32,
                 http_client=LoopbackHttpClient(server.url), environment={"X": "1"})
    with pytest.raises(TwilioRestException) as fetch_error:
        bad.flex_api.v1.configuration().fetch()
    assert (fetch_error.value.status, fetch_error.value.code) == (401, 20003)
    with pytest.raises(TwilioException) as list_error:
        bad.studio.v2.flows.list()
    assert list_error.value.args[1].status_code == 401
    assert requests.get(f"{server.url}/studio/v2/Flows", timeout=5).status_code == 401


def test_another_account_in_the_path_is_not_found(server: SimulatorServer) -> None:
    world = server.world
    # The classic API-key mistake: no account_sid, so the SDK puts the SK SID in the path.
    keyed = Client(world.api_key_sid, world.api_key_secret,
                   http_client=LoopbackHttpClient(server.url), environment={"X": "1"})
    with pytest.raises(TwilioRestException) as error:
        keyed.incoming_phone_numbers(world.flex_numbers[0]).fetch()
    assert (error.value.status, error.value.code) == (404, 20404)


def test_deleted_resource_is_404_20404(server: SimulatorServer, client: Client) -> None:
    sid = server.world.webchat_flex_flow_sid
    server.world.delete(sid or "")
    with pytest.raises(TwilioRestException) as error:
        client.flex_api.v1.flex_flow(sid).fetch()
    assert (error.value.status, error.value.code) == (404, 20404)
    body = raw(server, f"/flex-api/v1/FlexFlows/{sid}").json()
    assert body == {"code": 20404, "message": f"The requested resource /v1/FlexFlows/{sid} "
                    "was not found", "more_info": "https://www.twilio.com/docs/errors/20404",
                    "status": 404}


def test_unknown_route_and_method(server: SimulatorServer) -> None:
    assert raw(server, "/flex-api/v1/Nope").json()["code"] == 20404
    world = server.world
    response = requests.delete(f"{server.url}/flex-api/v1/FlexFlows",
                               auth=(world.account_sid, world.auth_token), timeout=5)
    assert response.status_code == 405


# -- writes ---------------------------------------------------------------------------------------
def test_number_update_is_applied_and_logged(server: SimulatorServer, client: Client) -> None:
    world = server.world
    pn = world.flex_numbers[0]
    before = world.number(pn)["sms_url"]
    updated = client.incoming_phone_numbers(pn).update(sms_url="https://example.com/other",
                                                       sms_method="GET")
    assert (updated.sms_url, updated.sms_method) == ("https://example.com/other", "GET")
    assert world.number(pn)["sms_url"] == "https://example.com/other"
    events = client.monitor.v1.events.list(resource_sid=pn)
    assert len(events) == 1
    event = events[0]
    assert (event.event_type, event.resource_type, event.source) == (
        "phone-number.updated", "phone-number", "api")
    assert (event.actor_type, event.actor_sid) == ("account", world.account_sid)
    assert event.source_ip_address == "127.0.0.1"
    assert event.event_data["resource_properties"]["sms_url"] == {
        "previous": before, "updated": "https://example.com/other"}


def test_console_breaks_are_logged_newest_first(server: SimulatorServer, client: Client) -> None:
    world = server.world
    pn, other = world.flex_numbers[0], world.flex_numbers[1]
    world.set_number(pn, sms_url="https://example.com/x")
    world.delete(other)
    events = client.monitor.v1.events.list()
    assert [e.event_type for e in events] == ["phone-number.deleted", "phone-number.updated"]
    assert (events[1].actor_type, events[1].actor_sid, events[1].source) == (
        "user", world.user_sid, "web")
    assert other not in world.proxy_pool()
    assert client.monitor.v1.events.list(event_type="phone-number.deleted")[0].resource_sid == other
    later = utcnow() + timedelta(hours=1)
    assert client.monitor.v1.events.list(start_date=later) == []


def test_flex_flow_create_update_delete(server: SimulatorServer, client: Client) -> None:
    world = server.world
    created = client.flex_api.v1.flex_flow.create(
        friendly_name="Extra", chat_service_sid=world.chat_service_sid, channel_type="sms",
        contact_identity="+15550001234", integration_type="studio",
        integration_flow_sid=world.flows["Messaging Flow"], enabled=True)
    assert created.integration == {"flow_sid": world.flows["Messaging Flow"], "retry_count": 3}
    other_flow = world.flows["Webchat Flow"]
    updated = client.flex_api.v1.flex_flow(created.sid).update(
        integration_flow_sid=other_flow, chat_service_sid="IS" + "0" * 32)
    assert updated.integration["flow_sid"] == other_flow
    assert world.store.flex_flows[created.sid]["chat_service_sid"] == "IS" + "0" * 32
    assert client.flex_api.v1.flex_flow(created.sid).delete() is True
    with pytest.raises(TwilioRestException) as error:
        client.flex_api.v1.flex_flow.create(friendly_name="x", chat_service_sid="IS" + "1" * 32,
                                            channel_type="sms")
    assert error.value.status == 400  # studio integration needs Integration.FlowSid


def test_proxy_pool_add_and_remove(server: SimulatorServer, client: Client) -> None:
    world = server.world
    pool = client.proxy.v1.services(world.flex_proxy_sid).phone_numbers
    assert {n.sid for n in pool.list()} == set(world.flex_numbers)
    other = world.other_numbers[0]
    added = pool.create(sid=other)
    assert added.sid == other and other in world.proxy_pool()
    pool(other).delete()
    assert other not in world.proxy_pool()
    phone = world.number(other)["phone_number"]
    assert pool.create(phone_number=phone).sid == other
    with pytest.raises(TwilioRestException):
        pool.create(sid=other)  # already in a Proxy service


def test_studio_revisions(server: SimulatorServer, client: Client) -> None:
    world = server.world
    sid = world.flows["Messaging Flow"]
    listed = {f.sid: f for f in client.studio.v2.flows.list()}[sid]
    assert listed.definition is None and listed.valid is None and listed.revision == 1
    definition = client.studio.v2.flows(sid).fetch().definition
    definition["description"] = "changed"
    draft = client.studio.v2.flows(sid).update(status="draft", definition=definition,
                                               commit_message="wip")
    assert (draft.revision, draft.status) == (2, "draft")
    live = client.studio.v2.flows(sid).revisions("LatestPublished").fetch()
    assert live.revision == 1 and live.definition["description"] != "changed"
    latest = client.studio.v2.flows(sid).revisions("LatestRevision").fetch()
    assert latest.definition["description"] == "changed"
    assert [r.revision for r in client.studio.v2.flows(sid).revisions.list(page_size=1)] == [2, 1]
    new = client.studio.v2.flows.create(friendly_name="Draft only", status="draft",
                                        definition=definition)
    with pytest.raises(TwilioRestException) as error:
        client.studio.v2.flows(new.sid).revisions("LatestPublished").fetch()
    assert error.value.status == 404
    with pytest.raises(TwilioRestException):
        client.studio.v2.flows(sid).update(status="published", definition={"states": []})


def test_conversations_addresses(client: Client) -> None:
    from watchdog.simulator import healthy_conversations

    with SimulatorServer(healthy_conversations()) as server:
        conv = sdk(server).conversations.v1
        world = server.world
        assert len(conv.address_configurations.list(type="sms", page_size=2)) == 3
        assert [a.sid for a in conv.address_configurations.list(type="whatsapp")] == list(
            world.whatsapp_addresses.values())
        ig = world.address_configs[world.conversations_numbers[0]]
        updated = conv.address_configurations(ig).update(
            auto_creation_studio_flow_sid="FW" + "a" * 32)
        assert updated.auto_creation["studio_flow_sid"] == "FW" + "a" * 32
        assert updated.auto_creation["type"] == "studio"
        assert [s.sid for s in conv.services.list()] == [world.conversations_service_sid]


def test_conversations_service_settings_and_senders() -> None:
    from watchdog.simulator import healthy_conversations

    with SimulatorServer(healthy_conversations()) as server:
        client, world = sdk(server), server.world
        conv = client.conversations.v1
        default = conv.configuration().fetch().default_chat_service_sid
        assert default == world.conversations_service_sid
        agent = next(r for r in conv.services(default).roles.list() if r.friendly_name == "agent")
        assert "sendMessage" in agent.permissions
        conv.services(default).roles(agent.sid).update(permission=["sendMessage"])
        assert conv.services(default).roles(agent.sid).fetch().permissions == ["sendMessage"]
        assert conv.services(default).configuration.webhooks().fetch().pre_webhook_url is None
        senders = client.messaging.v2.channels_senders.list(channel="whatsapp")
        assert [(s.sid, s.status) for s in senders] == [
            (sid, "ONLINE") for sid in world.whatsapp_senders.values()]
        assert [s.sid for s in client.messaging.v1.services.list()] == [
            world.messaging_service_sid]


def test_alerts_filtered_by_level_and_date(server: SimulatorServer, client: Client) -> None:
    world = server.world
    world.add_alert(80620, resource_sid=world.flex_numbers[0],
                    date_generated="2026-01-05T10:00:00Z")
    world.add_alert("11200", log_level="warning", date_generated="2026-01-06T10:00:00Z")
    assert [a.error_code for a in client.monitor.v1.alerts.list()] == ["11200", "80620"]
    assert [a.error_code for a in client.monitor.v1.alerts.list(log_level="error")] == ["80620"]
    day = datetime(2026, 1, 6, tzinfo=UTC)
    assert [a.error_code for a in client.monitor.v1.alerts.list(start_date=day)] == ["11200"]
    assert raw(server, "/monitor/v1/Alerts?EndDate=2026-01-05").json()["alerts"][0][
        "error_code"] == "80620"
    assert raw(server, "/monitor/v1/Alerts?StartDate=yesterday").status_code == 400


# -- faults ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, status, code", [("429", 429, 20429), ("500", 500, 20500),
                                                ("503", 503, 20503), ("401", 401, 20003)])
def test_error_faults(server: SimulatorServer, client: Client, kind: str, status: int,
                      code: int) -> None:
    fault = server.faults.add(Fault(kind, product="flex-api", times=1))
    with pytest.raises(TwilioRestException) as error:
        client.flex_api.v1.configuration().fetch()
    assert (error.value.status, error.value.code) == (status, code)
    assert client.flex_api.v1.configuration().fetch().account_sid  # used up after one hit
    assert fault.hits == 1 and server.faults.active() == []


def test_retry_after_only_when_asked(server: SimulatorServer) -> None:
    server.faults.add(Fault("429", path_regex="/FlexFlows", retry_after=3, times=1))
    server.faults.add(Fault("429", path_regex="/FlexFlows", times=1))
    first = raw(server, "/flex-api/v1/FlexFlows")
    second = raw(server, "/flex-api/v1/FlexFlows")
    assert first.headers["Retry-After"] == "3" and "Retry-After" not in second.headers
    assert raw(server, "/flex-api/v1/FlexFlows").status_code == 200


def test_fault_filters(server: SimulatorServer) -> None:
    server.faults.add(Fault("500", product="studio", path_regex=r"/Revisions", method="GET"))
    flow = server.world.flows["Voice IVR"]
    assert raw(server, f"/studio/v2/Flows/{flow}").status_code == 200
    assert raw(server, f"/studio/v2/Flows/{flow}/Revisions").status_code == 500
    assert raw(server, "/chat/v2/Services").status_code == 200
    server.faults.clear()
    assert raw(server, f"/studio/v2/Flows/{flow}/Revisions").status_code == 200
    with pytest.raises(ValueError):
        Fault("teapot")


def test_page_fault_hits_only_that_page(server: SimulatorServer, client: Client) -> None:
    server.faults.add(Fault("page", product="api", page=1))
    first = client.incoming_phone_numbers.page(page_size=2)
    assert len(list(first)) == 2
    with pytest.raises(TwilioException) as error:
        client.incoming_phone_numbers.list(page_size=2)
    assert error.value.args[1].status_code == 500
    assert len(client.incoming_phone_numbers.list(page_size=50)) == 4  # one page: unaffected


def test_slow_fault_times_out_then_recovers(server: SimulatorServer) -> None:
    server.faults.add(Fault("slow", product="chat", delay=0.5, times=1))
    impatient = sdk(server, timeout=0.1)
    with pytest.raises(requests.exceptions.Timeout):
        impatient.chat.v2.services.list()
    assert len(impatient.chat.v2.services.list()) == 1


@pytest.mark.parametrize("kind", ["truncated", "invalid_json"])
def test_broken_bodies(server: SimulatorServer, client: Client, kind: str) -> None:
    server.faults.add(Fault(kind, product="proxy", times=1))
    response = raw(server, "/proxy/v1/Services")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    server.faults.add(Fault(kind, product="proxy", times=1))
    with pytest.raises(ValueError):  # json.JSONDecodeError inside the SDK
        client.proxy.v1.services.list()


def test_disconnect_and_refused(server: SimulatorServer, client: Client) -> None:
    server.faults.add(Fault("disconnect", product="taskrouter", times=1))
    with pytest.raises(requests.exceptions.ConnectionError):
        raw(server, "/taskrouter/v1/Workspaces")
    port = server.port
    client.flex_api.v1.configuration().fetch()  # a kept-alive connection in the SDK's pool
    server.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        client.flex_api.v1.configuration().fetch()
    server.start()
    assert server.port == port
    server.restart()
    assert server.port == port and server.running
    assert client.flex_api.v1.configuration().fetch().account_sid == server.world.account_sid


# -- bookkeeping and concurrency -------------------------------------------------------------------
def test_request_log_counts(server: SimulatorServer, client: Client) -> None:
    client.incoming_phone_numbers.list(page_size=1)
    client.studio.v2.flows.list()
    log = server.requests
    assert log.count(product="api", status=200) == 4 and log.total == 5
    assert log.by_template()[("GET", "studio", "/v2/Flows")] == 1
    server.reset_counts()
    assert log.total == 0


def test_breaking_while_polling_is_safe(server: SimulatorServer) -> None:
    world, errors = server.world, []
    proxy_url = proxy_webhook_url(world.account_sid, world.flex_proxy_sid or "")

    def poll() -> None:
        try:
            for _ in range(15):
                sdk(server).incoming_phone_numbers.list(page_size=1)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for thread in threads:
        thread.start()
    for index in range(60):
        world.set_number(world.flex_numbers[index % 3],
                         sms_url=proxy_url if index % 2 else "https://example.com/x")
    for thread in threads:
        thread.join()
    assert errors == []
    # 60 writes, but the second one sets the value the number already had: no event for it.
    assert len(world.events("phone-number.updated")) == 59


def test_world_is_reachable_from_server(server: SimulatorServer) -> None:
    assert isinstance(server.world, World) and server.running
    assert server.url.startswith("http://127.0.0.1:")


@pytest.mark.slow
def test_serve_prints_url_and_credentials_then_stops_on_ctrl_c() -> None:
    import signal
    import subprocess
    import sys

    code = "from watchdog.simulator import serve; serve('healthy-conversations', 0)"
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", banner)
        assert url, banner
        lines = dict(line.strip().split("=", 1) for line in
                     (process.stdout.readline() for _ in range(3)))
        response = requests.get(f"{url.group(0)}/conversations/v1/Services", timeout=5,
                                auth=(lines["TWILIO_ACCOUNT_SID"], lines["TWILIO_AUTH_TOKEN"]))
        assert response.status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0  # 5 s was missed once on two busy xdist workers
    finally:
        process.kill()
    with pytest.raises(ValueError):
        from watchdog.simulator import serve

        serve("no-such-world", 0)
