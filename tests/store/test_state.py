import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from watchdog.errors import StateError
from watchdog.model.findings import Finding
from watchdog.model.snapshot import FamilyState, Resource, Snapshot
from watchdog.store.store import MIGRATIONS, StateStore

AC = "AC" + "1" * 32
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def snap(numbers, status="complete", when=NOW):
    res = tuple(Resource.make("phone_number", sid, {"sid": sid, "sms_url": url})
                for sid, url in numbers.items())
    return Snapshot(AC, when, {"numbers": FamilyState("numbers", status, res if status ==
                                                      "complete" else (), fetched_at=when)})


def finding(sid, rule="numbers.flex-flow-missing"):
    return Finding(rule, "critical", "phone_number", sid, f"{sid} broken")


def test_new_file_is_marked_and_versioned(tmp_path):
    store = StateStore(tmp_path / "s.db")
    store.close()
    conn = sqlite3.connect(tmp_path / "s.db")
    assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x46574447
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_foreign_sqlite_file_is_refused_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE precious (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StateError, match="did not create"):
        StateStore(path)
    assert sqlite3.connect(path).execute("SELECT count(*) FROM precious").fetchone() == (0,)


def test_garbage_file_is_a_clear_error(tmp_path):
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StateError, match="not a flex-watchdog state file"):
        StateStore(path)
    assert path.read_bytes().startswith(b"this is not sqlite")


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(StateError, match="directory does not exist"):
        StateStore(tmp_path / "nope" / "s.db")


def test_newer_schema_is_refused(tmp_path):
    StateStore(tmp_path / "s.db").close()
    conn = sqlite3.connect(tmp_path / "s.db")
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StateError, match="newer"):
        StateStore(tmp_path / "s.db")


def test_one_account_per_file(tmp_path):
    store = StateStore(tmp_path / "s.db")
    store.bind_account(AC)
    with pytest.raises(StateError, match="belongs to account"):
        store.bind_account("AC" + "2" * 32)


def test_snapshot_round_trip_keeps_last_complete_family(tmp_path):
    store = StateStore(tmp_path / "s.db")
    store.save_snapshot(snap({"PN1": "a", "PN2": "b"}))
    store.save_snapshot(snap({}, status="failed", when=NOW + timedelta(minutes=1)))
    loaded = store.load_snapshot(AC)
    assert {r.sid for r in loaded.resources("phone_number")} == {"PN1", "PN2"}
    reopened = StateStore(tmp_path / "s.db").load_snapshot(AC)
    assert reopened.get("phone_number", "PN1").fingerprint == \
        snap({"PN1": "a"}).families["numbers"].resources[0].fingerprint


def test_baseline_adopts_only_complete_families(tmp_path):
    store = StateStore(tmp_path / "s.db")
    assert store.adopt_baseline(snap({"PN1": "a"}, status="failed")) == []
    assert store.baseline(AC) is None
    assert store.adopt_baseline(snap({"PN1": "a"})) == ["numbers"]
    assert store.baseline(AC).get("phone_number", "PN1") is not None


def test_findings_open_count_and_clear(tmp_path):
    store = StateStore(tmp_path / "s.db")
    rule = "numbers.flex-flow-missing"
    opened, cleared = store.record_findings([finding("PN1")], {rule}, NOW)
    assert [f.id for f in opened] == [f"{rule}:PN1"] and cleared == []
    opened, _ = store.record_findings([finding("PN1")], {rule}, NOW + timedelta(minutes=1))
    assert opened == []
    assert store.open_findings()[f"{rule}:PN1"].observations == 2
    # the rule was skipped (unknown family): the finding stays open, untouched
    _, cleared = store.record_findings([], set(), NOW + timedelta(minutes=2))
    assert cleared == [] and f"{rule}:PN1" in store.open_findings()
    # the rule ran but the resource's own family is unknown: still not a recovery
    _, cleared = store.record_findings([], {rule}, NOW, unknown_families={"numbers"})
    assert cleared == []
    _, cleared = store.record_findings([], {rule}, NOW + timedelta(minutes=3))
    assert [c.id for c in cleared] == [f"{rule}:PN1"]
    assert store.open_findings() == {}


def test_failed_transaction_leaves_previous_state(tmp_path):
    store = StateStore(tmp_path / "s.db")
    store.save_snapshot(snap({"PN1": "a"}))
    with pytest.raises(RuntimeError), store.transaction():
        store.save_snapshot(snap({"PN9": "z"}))
        raise RuntimeError("killed mid-cycle")
    assert {r.sid for r in store.load_snapshot(AC).resources()} == {"PN1"}
