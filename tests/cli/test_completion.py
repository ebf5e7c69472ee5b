"""`flex-watchdog completion bash|zsh`, fed to the shells themselves."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from watchdog.cli import COMMANDS, build_parser, main
from watchdog.rules.registry import all_rules

# Ask bash's completion function what it offers for a command line, as pressing Tab would.
BASH_ASK = r"""
source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
complete -p flex-watchdog >&2
func=$(complete -p flex-watchdog | sed -E 's/.*-F ([^ ]+).*/\1/')
"$func" flex-watchdog "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"""


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("completion") / "flex-watchdog.bash"
    from watchdog.commands.completion import script

    path.write_text(script(build_parser(), "bash"), encoding="utf-8")
    return path


def offered(bash_script: Path, *words: str) -> list[str]:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    done = subprocess.run([bash, "--norc", "--noprofile", "-c", BASH_ASK, "ask", str(bash_script),
                           "flex-watchdog", *words], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "-F " in done.stderr and done.stderr.rstrip().endswith(" flex-watchdog")
    return [w for w in done.stdout.splitlines() if w]


def test_the_command_prints_the_script(capsys):
    assert main(["completion", "bash"]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1].startswith("complete ")
    assert main(["completion", "zsh"]) == 0
    assert capsys.readouterr().out.startswith("#compdef flex-watchdog")


@pytest.mark.slow
def test_bash_completes_the_commands(bash_script):
    commands = offered(bash_script, "")
    assert {"check", "explain", "rules", "lint-flow", "completion", "config"} <= set(commands)
    assert len(commands) >= len(COMMANDS)
    assert offered(bash_script, "ch") == ["check"]


@pytest.mark.slow
def test_bash_completes_flags_and_their_choices(bash_script):
    assert {"--rule", "--severity", "--family", "--fail-on", "--quiet", "--format"} <= set(
        offered(bash_script, "check", "--"))
    assert offered(bash_script, "check", "--fail-on", "") == ["critical", "warning", "info"]
    assert set(offered(bash_script, "lint-flow", "--format", "")) == {"table", "json", "sarif"}


@pytest.mark.slow
def test_bash_completes_rule_ids(bash_script):
    ids = sorted(all_rules())
    assert sorted(offered(bash_script, "explain", "")) == ids
    assert offered(bash_script, "explain", "numbers.voice-w") == ["numbers.voice-webhook-overwritten"]
    studio = sorted(i for i in ids if i.startswith("studio."))
    assert sorted(offered(bash_script, "check", "--rule", "studio.")) == studio


@pytest.mark.slow
def test_zsh_loads_it_as_a_completion_function(tmp_path):
    zsh = shutil.which("zsh")
    if zsh is None:
        pytest.skip("zsh is not installed (Debian package zsh)")
    from watchdog.commands.completion import script

    text = script(build_parser(), "zsh")
    (tmp_path / "_flex-watchdog").write_text(text, encoding="utf-8")
    assert subprocess.run([zsh, "-n", str(tmp_path / "_flex-watchdog")]).returncode == 0
    done = subprocess.run(
        [zsh, "-f", "-c", f"fpath=({tmp_path} $fpath); autoload -U compinit; "
                          f"compinit -u -d {tmp_path}/dump; print -r -- $_comps[flex-watchdog]"],
        capture_output=True, text=True, timeout=30)
    assert done.stdout.strip() == "_flex-watchdog", done.stderr
    for rule_id in all_rules():
        assert rule_id in text
