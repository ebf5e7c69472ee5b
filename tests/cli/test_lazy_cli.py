"""The command line imports only the command it runs: ``--help`` loads no SDK, scheduler,
metrics, Sentry or settings library, and the summaries that stand in for the other commands are
the ones their modules register."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pytest

from watchdog.cli import COMMANDS, build_parser, main

HEAVY = ("twilio", "apscheduler", "prometheus_client", "sentry_sdk", "pydantic",
         "pydantic_settings", "pagerduty", "requests", "yaml", "shtab")

# Runs ``python -m watchdog ARGS`` in this interpreter, then prints the top-level modules loaded.
PROBE = """
import json, runpy, sys
sys.argv = ["flex-watchdog", *sys.argv[1:]]
try:
    runpy.run_module("watchdog", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})), file=sys.stderr)
"""


def loaded_by(*args: str, env: dict[str, str] | None = None) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          timeout=60, env=env)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_imports_none_of_the_daemons_stack():
    loaded = loaded_by("--help")
    assert "watchdog" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_a_light_command_does_not_load_the_daemons_stack():
    assert not loaded_by("rules") & {"apscheduler", "prometheus_client", "sentry_sdk", "twilio"}


def commands_of(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def test_check_polls_without_the_daemons_stack(sim, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    env |= {"TWILIO_ACCOUNT_SID": sim.world.account_sid, "TWILIO_AUTH_TOKEN": sim.world.auth_token,
            "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url,
            "FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "state.db")}
    loaded = loaded_by("check", "--quiet", env=env)
    assert {"twilio", "pydantic"} <= loaded, "it did poll"
    assert not loaded & {"apscheduler", "prometheus_client", "sentry_sdk", "pagerduty"}
    assert (tmp_path / "state.db").exists()


def test_the_summaries_are_the_ones_the_commands_register():
    sub = commands_of(build_parser())
    registered = {action.dest: action.help for action in sub._choices_actions}
    assert registered == {name: summary for name, (_, summary) in COMMANDS.items()}


def test_only_the_command_run_is_real(capsys):
    sub = commands_of(build_parser("rules"))
    assert sub.choices["rules"].get_default("func") is not None
    assert sub.choices["check"].get_default("func") is None
    assert main(["rules"]) == 0
    assert "numbers.message-webhook-overwritten" in capsys.readouterr().out


def test_an_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["chek"])
    assert exc.value.code == 2
    assert "invalid choice: 'chek'" in capsys.readouterr().err


def test_a_command_shares_its_module_with_another(capsys):
    assert main(["explain", "numbers.message-webhook-overwritten"]) == 0
    assert "numbers.message-webhook-overwritten" in capsys.readouterr().out
