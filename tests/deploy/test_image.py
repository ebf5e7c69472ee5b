"""The container image, built from the ``Dockerfile`` with buildah and run.

Marked ``image`` (and ``slow``): it needs buildah and mmdebstrap (``.ci/run`` installs them) and
a machine where buildah can use its storage and chroot isolation; elsewhere it skips and says
which of these is missing. The base is a Debian bookworm minbase made by mmdebstrap, cached in
buildah's storage (see ``tests/deploy/image.py``). The daemon runs in the image the way the chart
runs it: uid 10001, every capability dropped, a read-only root filesystem, with writable mounts
only for the state volume and ``/tmp``; the host scrapes it and stops it with SIGTERM.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.daemon.support import http
from tests.deploy import image as img
from tests.deploy.prom import CONTRACT_METRICS
from watchdog.settings import Settings

pytestmark = [pytest.mark.image, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
UID = 10001
STATE_DIR = "/var/lib/flex-watchdog"


@dataclass(frozen=True)
class Built:
    image: str
    config: dict[str, object]
    summary: str


@pytest.fixture(scope="module")
def built() -> Built:
    img.require_tools()
    reason = img.storage_unusable()
    if reason:
        pytest.skip(reason)
    with img.machine_lock():
        base = img.ensure_base()
        reason = img.chroot_unusable(img.BASE)
        if reason:
            pytest.skip(reason)
        image_id, build = img.build(ROOT)
    summary = (f"image: {base.what} in {base.seconds:.1f} s; built {image_id[:12]} in "
               f"{build.seconds:.1f} s; size {img.image_size(image_id)}")
    return Built(image_id, img.inspect(image_id)["OCIv1"]["config"], summary)


@pytest.fixture
def container(built: Built, tmp_path: Path) -> Iterator[img.Container]:
    ctr = img.Container(built.image, tmp_path)
    try:
        yield ctr
    finally:
        ctr.close()


def writable_dir(path: Path) -> Path:
    path.mkdir()
    os.chown(path, UID, UID)
    return path


def test_the_image_config_is_the_charts_contract(built: Built, record_property) -> None:
    record_property("report", built.summary)
    config = built.config
    assert config["User"] == f"{UID}:{UID}"
    assert config["Entrypoint"] == ["flex-watchdog", "run"]
    assert config["ExposedPorts"] == {"9464/tcp": {}}
    assert config["Volumes"] == {STATE_DIR: {}}
    assert config["StopSignal"] == "SIGTERM"
    env = config["Env"]
    assert isinstance(env, list) and f"FLEX_WATCHDOG_STATE_PATH={STATE_DIR}/flex-watchdog.db" in env


LEAN = """
import glob, importlib.util, json, os, shutil, subprocess, sys
base = os.path.realpath(sys.executable)
outside = subprocess.run([base, "-c", "import importlib.util as u; print(u.find_spec('pip') is not None)"],
                         capture_output=True, text=True).stdout.strip()
print(json.dumps({
    "uid": os.getuid(),
    "pip in the venv": importlib.util.find_spec("pip") is not None,
    "pip in the base python": outside == "True",
    "tools": [t for t in ("pip", "pip3", "gcc", "cc", "c++", "clang", "make") if shutil.which(t)],
    "pip wheels": [w for pattern in ("/usr/share/python-wheels/pip-*",
                                     "/usr/local/lib/python3*/ensurepip/_bundled/pip-*")
                   for w in glob.glob(pattern)],
    "source tree": [p for p in ("/src", "/src/pyproject.toml") if os.path.exists(p)],
    "package": importlib.util.find_spec("watchdog.cli").origin,
}))
"""


def test_the_runtime_stage_has_no_pip_compiler_or_source_tree(container: img.Container) -> None:
    done = img.run(container.command(["python", "-c", LEAN]))
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout)
    assert facts["uid"] == UID
    assert facts["pip in the venv"] is False and facts["pip in the base python"] is False
    assert facts["tools"] == [] and facts["pip wheels"] == [] and facts["source tree"] == []
    assert facts["package"].startswith("/opt/flex-watchdog/lib/")


def test_the_root_filesystem_is_read_only_even_for_root(container: img.Container) -> None:
    done = img.run(container.command(["touch", "/opt/flex-watchdog/x"], user="0:0",
                                     drop_caps=False))
    assert done.returncode != 0 and "Read-only file system" in done.stderr


def test_demo_runs_in_the_image_as_uid_10001(container: img.Container, tmp_path: Path) -> None:
    tmp = writable_dir(tmp_path / "tmp")
    done = img.run(container.command(
        ["sh", "-c", "id -u && exec flex-watchdog demo --pace 0 --port 0"],
        binds={tmp: "/tmp"}), timeout=120)
    assert done.returncode == 0, img.last_lines(done.stderr + done.stdout, 30)
    first, *rest = done.stdout.splitlines()
    assert first == str(UID)
    out = "\n".join(rest)
    assert "OPENED" in out and "HEALED" in out, img.last_lines(out, 30)


class Logs:
    """The daemon's stderr, JSON lines, read in a thread (buildah adds plain lines at exit)."""

    def __init__(self, popen: subprocess.Popen[str]) -> None:
        self.popen = popen
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.closed = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            self.lines.put(line)
        self.closed.set()

    def expect(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            found = re.search(pattern, message(line))
            if found:
                return found
        raise AssertionError(f"no log line matching {pattern!r}; got:\n{''.join(self.seen)}")

    def rest(self) -> list[str]:
        assert self.closed.wait(10)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.seen


def message(line: str) -> str:
    try:
        found: str = json.loads(line)["message"]
    except (ValueError, KeyError, TypeError):
        return line.strip()
    return found


def helm_test_command(url: str) -> list[str]:
    """The chart's `helm test` pod command, asking ``url`` instead of the release's Service."""
    from tests.deploy.test_helm_chart import objects

    (pod,) = [o for o in objects() if o["kind"] == "Pod"]
    command: list[str] = pod["spec"]["containers"][0]["command"]
    return [*command[:-1], url]


def test_the_daemon_in_the_image_serves_the_host_and_stops_on_sigterm(
        built: Built, container: img.Container, sim, tmp_path: Path, record_property) -> None:
    state, tmp = writable_dir(tmp_path / "state"), writable_dir(tmp_path / "tmp")
    world = sim.world
    env = {"TWILIO_ACCOUNT_SID": world.account_sid, "TWILIO_AUTH_TOKEN": world.auth_token,
           "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url, "FLEX_WATCHDOG_HTTP__HOST": "127.0.0.1",
           "FLEX_WATCHDOG_HTTP__PORT": "0", "FLEX_WATCHDOG_LOG__FORMAT": "json",
           "FLEX_WATCHDOG_TWILIO__MAX_ATTEMPTS": "1"}
    entrypoint = built.config["Entrypoint"]
    assert isinstance(entrypoint, list)
    popen = subprocess.Popen(container.command(entrypoint, env=env,
                                               binds={state: STATE_DIR, tmp: "/tmp"}),
                             text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        logs = Logs(popen)
        url = logs.expect(r"on (http://127\.0\.0\.1:\d+)")[1]
        logs.expect("first complete snapshot loaded: ready")
        daemon = img.contained_process(popen.pid, "flex-watchdog")
        assert img.uids(daemon) == [UID] * 4

        assert http(f"{url}/readyz")[0] == 200
        status, metrics = http(f"{url}/metrics")
        assert status == 200
        missing = [name for name in CONTRACT_METRICS if f"# TYPE {name} " not in metrics]
        assert missing == []
        assert 'flex_watchdog_family_up{account="default",family="numbers"} 1.0' in metrics

        probe = img.run(container.command(helm_test_command(f"{url}/readyz")))
        assert probe.returncode == 0 and probe.stdout.startswith("200"), probe.stderr

        bound = Settings.model_fields["shutdown_timeout_seconds"].default
        started = time.monotonic()
        os.kill(daemon, signal.SIGTERM)
        assert popen.wait(timeout=bound + 5) == 0
        took = time.monotonic() - started
        assert took < bound
    finally:
        if popen.poll() is None:
            popen.kill()
            popen.wait()
    messages = [message(line) for line in logs.rest()]
    assert "received SIGTERM" in messages and "stopped" in messages
    assert world.auth_token not in "".join(logs.seen)
    written = {str(p.relative_to(tmp_path)): p.stat().st_uid
               for top in (state, tmp) for p in sorted(top.rglob("*"))}
    assert "state/flex-watchdog.db" in written, written
    assert set(written.values()) == {UID}, written
    record_property("report", f"image: the daemon stopped {took:.1f} s after SIGTERM (bound "
                              f"{bound:g} s); it wrote {', '.join(written)}")
