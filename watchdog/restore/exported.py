"""The Flex plumbing as plain files a team can keep in git, and back again.

``export``: one JSON file per resource (sorted keys) under a folder per type, each Studio flow's
definition also as ``<name>.flow.json`` (what the Studio console imports), and ``manifest.json``
with the account, the time and the sha256 of each file. Secrets are masked as everywhere else.
``load_directory``: the files as a snapshot to plan against (``restore --plan --from DIR``).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from watchdog.errors import ConfigError
from watchdog.model.snapshot import (
    RESOURCE_FAMILY,
    FamilyState,
    Resource,
    Snapshot,
    thaw,
)
from watchdog.model.topology import Topology
from watchdog.settings import FlexSettings
from watchdog.telemetry.redact import Redactor

MANIFEST = "manifest.json"
FORMAT = 1
_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _slug(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-") or "unnamed"


def export(snapshot: Snapshot, directory: Path, now: datetime, source: str, flex: FlexSettings,
           redactor: Redactor) -> dict[str, Any]:
    """Write the directory; returns the manifest. Only Flex plumbing (what drift watches)."""
    topology = Topology(snapshot, flex)
    chosen = sorted((r for r in snapshot.resources() if topology.is_watched(r)),
                    key=lambda r: (r.type, r.name, r.sid))
    names: dict[tuple[str, str], int] = {}
    for r in chosen:
        names[(r.type, _slug(r.name))] = names.get((r.type, _slug(r.name)), 0) + 1
    files: dict[str, str] = {}
    resources = []
    for r in chosen:
        stem = _slug(r.name)
        if names[(r.type, stem)] > 1:
            stem = f"{stem}-{r.sid}"  # two resources of one name: the SID tells them apart
        essence = redactor(thaw(r.essence))
        rel = f"{r.type}/{stem}.json"
        files[rel] = _dump({"type": r.type, "sid": r.sid, "essence": essence})
        entry = {"type": r.type, "sid": r.sid, "name": r.name, "file": rel}
        if r.type == "studio_flow" and essence.get("definition") is not None:
            entry["flow_file"] = f"{r.type}/{stem}.flow.json"
            files[entry["flow_file"]] = _dump(essence["definition"])
        resources.append(entry)
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    manifest = {"format": FORMAT, "account_sid": snapshot.account_sid,
                "exported_at": now.isoformat(), "source": source,
                "families": sorted(s.family for s in snapshot.families.values() if s.complete),
                "files": {rel: hashlib.sha256(text.encode()).hexdigest()
                          for rel, text in sorted(files.items())},
                "resources": resources}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST).write_text(_dump(manifest))
    return manifest


def load_directory(directory: Path, current: Snapshot) -> Snapshot:
    """The exported resources as a snapshot; a file whose sha256 differs from the manifest is
    refused (edit the files, then export again or fix the manifest on purpose)."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"restore --from {directory}: no readable {MANIFEST} ({exc})") from exc
    by_family: dict[str, list[Resource]] = {f: [] for f in manifest.get("families", [])}
    for entry in manifest.get("resources", []):
        text = (directory / entry["file"]).read_text()
        if hashlib.sha256(text.encode()).hexdigest() != manifest["files"].get(entry["file"]):
            raise ConfigError(f"restore --from {directory}: {entry['file']} differs from the "
                              "fingerprint in manifest.json")
        data = json.loads(text)
        family = RESOURCE_FAMILY.get(data["type"])
        if family is None:
            continue
        by_family.setdefault(family, []).append(
            Resource.make(data["type"], data["sid"], data["essence"]))
    taken = datetime.fromisoformat(manifest["exported_at"])
    states = {f: FamilyState(f, "complete", tuple(rs), fetched_at=taken)
              for f, rs in by_family.items()}
    return Snapshot(str(manifest.get("account_sid") or current.account_sid), taken, states)
