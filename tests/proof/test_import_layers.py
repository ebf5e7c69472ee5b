"""The rooms of ``watchdog/`` import only downwards.

The import graph is read from the source with ``ast`` (every import, also those inside
functions and ``TYPE_CHECKING`` blocks), one node per room: a folder under ``watchdog/`` or a
top-level module. Each room sits on a layer; an import of a room on a higher layer is an upward
arrow, and there must be none. Rooms on one layer may import each other.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "watchdog"

LAYERS: list[set[str]] = [
    {"watchdog", "errors", "settings_check"},  # the package version, errors, setting checks
    {"settings", "model"},  # the floor: settings read durations with model.times, the model
    # reads the Flex settings it classifies numbers with
    {"fetchers", "store", "signals", "controls", "twilio_api", "accounts"},
    {"rules"},
    {"routes"},  # entry points traced from the snapshot and the rules' findings
    {"telemetry"},  # the metrics pre-create one series per rule
    {"healing", "alerts", "restore"},
    {"cycle"},
    {"daemon"},
    {"demo", "commands", "simulator"},  # the simulator imports nothing of the package
    {"cli", "clash", "__main__"},
]
LAYER = {room: n for n, rooms in enumerate(LAYERS) for room in rooms}


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[str]:
    """Every ``watchdog`` module the file imports (relative imports resolved)."""
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base]
        else:
            continue
        yield from (n for n in names if n == "watchdog" or n.startswith("watchdog."))


def graph() -> dict[str, set[tuple[str, str]]]:
    """room -> {(room imported, "importing module -> imported module")}"""
    out: dict[str, set[tuple[str, str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        source = module_name(path)
        for target in imports(path):
            if room(target) != room(source):
                out.setdefault(room(source), set()).add((room(target), f"{source} -> {target}"))
    return out


def test_every_room_has_a_layer():
    rooms = {room(module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert rooms - set(LAYER) == set(), "a new room: give it a layer in LAYERS"
    assert set(LAYER) - rooms == set(), "a room in LAYERS that no longer exists"


def test_no_upward_arrows():
    upward = sorted(arrow for source, targets in graph().items() for target, arrow in targets
                    if LAYER[target] > LAYER[source])
    assert upward == []


def test_the_model_imports_nothing_above_settings():
    allowed = {"model", "settings", "errors", "watchdog"}
    found = sorted(arrow for target, arrow in graph().get("model", set())
                   if target not in allowed)
    assert found == []


@pytest.mark.parametrize("text, expected", [
    ("from watchdog.cycle import Watcher", ["watchdog.cycle"]),
    ("import watchdog.rules.registry", ["watchdog.rules.registry"]),
    ("from . import records", ["watchdog.healing"]),
    ("from ..model.findings import Finding", ["watchdog.model.findings"]),
    ("import json\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
     "    from watchdog.daemon.app import build_daemon", ["watchdog.daemon.app"]),
])
def test_imports_are_read_from_the_source(tmp_path, text, expected, monkeypatch):
    fake = tmp_path / "watchdog"
    (fake / "healing").mkdir(parents=True)
    path = fake / "healing" / "auto.py"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert list(imports(path)) == expected
