"""Unchanged list pages reuse the resources built from them before; a changed page is rebuilt."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import NOW, sim_settings
from watchdog.daemon.app import build_watcher
from watchdog.simulator import SimulatorServer, large


def _numbers(result):
    return {r.sid: r for r in result.snapshot.resources("phone_number")}


def test_unchanged_pages_reuse_their_resources_and_a_changed_page_is_rebuilt(tmp_path):
    world = large(numbers=1500, studio_flows=3, flex_flows=3)
    with SimulatorServer(world) as server:
        settings = sim_settings(server, tmp_path / "s.db")
        watcher = build_watcher(settings)
        first = _numbers(watcher.poll(NOW))
        second = _numbers(watcher.poll(NOW + timedelta(minutes=1)))
        assert all(second[sid] is first[sid] for sid in first), "nothing changed: same objects"
        on_page_two = list(world.store.numbers)[1200]
        world.set_number(on_page_two, sms_url="https://example.com/changed")
        third = _numbers(watcher.poll(NOW + timedelta(minutes=2)))
    page_one = list(world.store.numbers)[:1000]
    assert all(third[sid] is first[sid] for sid in page_one)
    assert third[on_page_two].get("sms_url") == "https://example.com/changed"
    assert len(third) == 1500


def test_a_client_that_does_not_say_what_it_read_still_reads_every_page(tmp_path):
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    from watchdog.fetchers.context import FetchContext
    from watchdog.fetchers.numbers import fetch_numbers
    from watchdog.twilio_api import rewrite_url

    class Plain(TwilioHttpClient):
        def request(self, method, url, *args, **kwargs):
            return super().request(method, rewrite_url(url, base), *args, **kwargs)

    world = large(numbers=1100, studio_flows=3, flex_flows=3)
    with SimulatorServer(world) as server:
        base = server.url
        client = Client(world.account_sid, world.auth_token, http_client=Plain())
        settings = sim_settings(server, tmp_path / "s.db")
        found = fetch_numbers(FetchContext(client, world.account_sid, settings.flex, 10))
    assert len(found) == 1100


def test_a_fresh_watcher_reuses_the_pages_the_last_recorded_poll_read(tmp_path):
    world = large(numbers=1500, studio_flows=3, flex_flows=3)
    changed = "https://example.com/changed"
    with SimulatorServer(world) as server:
        settings = sim_settings(server, tmp_path / "s.db")
        first = build_watcher(settings)
        first.poll(NOW)
        first.store.close()
        on_page_two = list(world.store.numbers)[1200]
        world.set_number(on_page_two, sms_url=changed)
        second = build_watcher(settings)  # a new process: only the state file is shared
        stored = {r.sid: r for r in second.latest.resources("phone_number")}
        polled = _numbers(second.poll(NOW + timedelta(minutes=1)))
        second.store.close()
    sids = list(world.store.numbers)
    assert all(polled[sid] is stored[sid] for sid in sids[:1000]), "page one: the stored rows"
    assert polled[on_page_two].get("sms_url") == changed
    assert polled[sids[1300]] is not stored[sids[1300]], "page two was converted again"
    assert polled[sids[1300]] == stored[sids[1300]]
    assert len(polled) == 1500


def test_a_kept_page_whose_rows_are_not_all_in_the_file_is_converted_again(tmp_path):
    import sqlite3

    world = large(numbers=1500, studio_flows=3, flex_flows=3)
    with SimulatorServer(world) as server:
        settings = sim_settings(server, tmp_path / "s.db")
        first = build_watcher(settings)
        first.poll(NOW)
        first.store.close()
        sids = list(world.store.numbers)
        conn = sqlite3.connect(tmp_path / "s.db")
        with conn:
            conn.execute("DELETE FROM resources WHERE sid = ?", (sids[10],))
        conn.close()
        second = build_watcher(settings)
        stored = {r.sid: r for r in second.latest.resources("phone_number")}
        polled = _numbers(second.poll(NOW + timedelta(minutes=1)))
        second.store.close()
    assert sids[10] not in stored and sids[10] in polled
    assert polled[sids[11]] is not stored[sids[11]], "page one was not taken from the file"
    assert all(polled[sid] is stored[sid] for sid in sids[1000:])
