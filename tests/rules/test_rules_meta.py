"""The rule catalogue itself: IDs, severities, runbooks, docs, and a world for every rule."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.rules.worlds import CASES, expected_rules
from watchdog.rules import docs
from watchdog.rules.registry import RULE_ID, all_rules

RULES = all_rules()
GUIDE = Path(__file__).resolve().parents[3] / "shared" / "seed" / "recovery-guide.es.txt"
SECTIONS = ("**Why it matters.**", "**Fix by hand", "**Heal.**")


@pytest.fixture(scope="module")
def fired_by_case() -> dict[str, set[str]]:
    return {case.id: expected_rules(case) for case in CASES}


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_metadata_and_runbook(rule_id):
    rule = RULES[rule_id]
    assert RULE_ID.match(rule.id) and rule.id.split(".")[0] in (
        "baseline", "chat", "config", "conversations", "flex", "heal", "messaging", "numbers",
        "proxy", "studio", "taskrouter", "whatsapp")
    assert rule.severity in ("critical", "warning", "info")
    assert rule.kind in ("deletion", "overwrite", "other")
    runbook = rule.runbook
    assert rule.title and len(rule.title) < 100 and rule.title.endswith(".")
    positions = [runbook.find(section) for section in SECTIONS]
    assert all(p > 0 for p in positions) and positions == sorted(positions), rule.id
    heal = runbook[positions[2]:]
    assert heal.startswith("**Heal.** None") != rule.healable, "Heal section matches healable"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_has_a_world_where_it_fires_and_one_where_it_does_not(rule_id, fired_by_case):
    fires = [c.id for c in CASES if rule_id in fired_by_case[c.id]]
    quiet = [c.id for c in CASES if rule_id in c.quiet]
    assert fires, f"no case in tests/rules/worlds.py where {rule_id} fires"
    assert quiet, f"no case in tests/rules/worlds.py that shows {rule_id} does not fire"
    assert not set(fires) & set(quiet)


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_every_section_of_the_guide_has_a_world():
    if not GUIDE.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{GUIDE} is missing")
        pytest.skip(f"{GUIDE} is not available")
    headings = re.findall(r"^## (.+)$", GUIDE.read_text(encoding="utf-8"), re.MULTILINE)
    covered = {c.guide for c in CASES}
    for heading in headings:
        name = heading.strip().strip("*")
        assert any(name.lower() in g.lower() for g in covered), name


def test_docs_rules_md_is_up_to_date():
    current = docs.DOCS_PATH.read_text(encoding="utf-8") if docs.DOCS_PATH.exists() else ""
    assert current == docs.render(), "docs/rules.md is stale: run python -m watchdog.rules.docs"


def test_docs_anchor_per_rule():
    text = docs.render()
    for rule in RULES.values():
        assert f'<a id="{rule.id.replace(".", "-")}"></a>' in text
    assert '<a id="numbers-message-webhook-overwritten"></a>' in text


def test_docs_command_rewrites_and_checks(tmp_path, capsys):
    target = tmp_path / "rules.md"
    assert docs.main(["--check", "--path", str(target)]) == 1
    assert docs.main(["--path", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == docs.render()
    assert docs.main(["--check", "--path", str(target)]) == 0
    assert "out of date" in capsys.readouterr().err
