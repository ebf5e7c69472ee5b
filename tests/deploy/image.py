"""Test helpers for the container image: build the ``Dockerfile`` with buildah and run it.

The base is the one a user without Docker Hub makes: a Debian bookworm root filesystem from
``mmdebstrap`` (:data:`MMDEBSTRAP`), imported into buildah's storage as :data:`BASE` and passed as
``--build-arg PYTHON_IMAGE``. It is made once per machine and reused for a week; the build itself
runs with ``--layers``, so the dependency layer is reused until ``pyproject.toml`` changes and a
warm build only reinstalls the package. The host's CA bundle goes in as the ``ca-bundle`` secret,
so pip inside trusts what pip on the host trusts.

A :class:`Container` runs the image the way a pod with ``readOnlyRootFilesystem`` does: its root
filesystem is bind-mounted read-only before ``buildah run`` (chroot isolation) starts anything,
and only the state volume and ``/tmp`` are writable mounts.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

BASE = "localhost/flex-watchdog-base:bookworm"
IMAGE = "localhost/flex-watchdog:test"
MMDEBSTRAP = ["mmdebstrap", "--variant=minbase",
              "--include=python3,python3-venv,python-is-python3,ca-certificates", "bookworm"]
BASE_MAX_AGE = timedelta(days=7)
INSTALL_HINT = "apt-get install buildah mmdebstrap"
LOCK = Path(tempfile.gettempdir()) / "flex-watchdog-image.lock"


def run(args: Sequence[str | Path], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def buildah(*args: str | Path, timeout: float = 120) -> str:
    """stdout of a buildah command that must succeed (its stderr in the failure)."""
    done = run(["buildah", *args], timeout=timeout)
    assert done.returncode == 0, f"buildah {' '.join(map(str, args))}: {last_lines(done.stderr)}"
    return done.stdout.strip()


def last_lines(text: str, n: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-n:])


def error_line(stderr: str) -> str:
    """buildah's own error out of its stderr (its warnings left out)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip() and "level=warning" not in ln]
    errors = [ln for ln in lines if ln.lower().startswith(("error", "fatal"))]
    return (errors or lines or ["(no output)"])[0]


def require_tools() -> None:
    """Skip without buildah or mmdebstrap (fail under CI=true, where .ci/run installs them)."""
    missing = [name for name in ("buildah", "mmdebstrap") if shutil.which(name) is None]
    if not missing:
        return
    reason = f"{' and '.join(missing)} not found on PATH (install: {INSTALL_HINT})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI=true requires them")
    pytest.skip(reason)


def storage_unusable() -> str | None:
    """Why buildah cannot use its storage here (``buildah info`` fails), or None."""
    done = run(["buildah", "info"])
    if done.returncode != 0:
        return f"buildah cannot run here: `buildah info` failed: {error_line(done.stderr)}"
    return None


def chroot_unusable(image: str) -> str | None:
    """Why ``buildah run --isolation chroot`` cannot run a process here, or None."""
    ctr = buildah("from", "--pull=never", image)
    try:
        done = run(["buildah", "run", "--isolation", "chroot", ctr, "--", "true"])
    finally:
        buildah("rm", ctr)
    if done.returncode != 0:
        return (f"buildah cannot run here: `buildah run --isolation chroot` failed: "
                f"{error_line(done.stderr)}")
    return None


@contextmanager
def machine_lock() -> Iterator[None]:
    """One base import and one build at a time on this machine."""
    with open(LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def inspect(image: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(buildah("inspect", "--type", "image", image))
    return found


def base_age(image: str) -> timedelta | None:
    """How old the cached base is, or None when there is none."""
    if run(["buildah", "inspect", "--type", "image", image]).returncode != 0:
        return None
    created = inspect(image)["OCIv1"]["created"]
    return datetime.now(UTC) - datetime.fromisoformat(created.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Step:
    what: str
    seconds: float


def ensure_base(image: str = BASE) -> Step:
    """The bookworm base in buildah's storage: reused, or made by mmdebstrap and imported."""
    age = base_age(image)
    if age is not None and age < BASE_MAX_AGE:
        return Step(f"base {image} reused ({age.days} d old)", 0.0)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir="/var/tmp", prefix="flex-watchdog-base-") as tmp:
        tarball = Path(tmp) / "bookworm.tar"
        done = run([*MMDEBSTRAP, tarball], timeout=900)
        assert done.returncode == 0, f"{' '.join(MMDEBSTRAP)}: {last_lines(done.stderr)}"
        ctr = buildah("from", "scratch")
        try:
            buildah("add", ctr, tarball, "/", timeout=300)
            buildah("commit", "--quiet", ctr, image, timeout=300)
        finally:
            buildah("rm", ctr)
    return Step(f"base {image} made by mmdebstrap", time.monotonic() - started)


def host_ca_bundle() -> Path | None:
    """The CA bundle pip on this host trusts (PIP_CERT, else OpenSSL's default file)."""
    for candidate in (os.environ.get("PIP_CERT"), os.environ.get("SSL_CERT_FILE"),
                      ssl.get_default_verify_paths().cafile):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def build_command(context: Path, base: str, tag: str, iidfile: Path) -> list[str]:
    """The buildah build docs/deploy.md shows, with the host's CA bundle as the secret."""
    args = ["buildah", "bud", "--isolation", "chroot", "--layers", "--pull=never",
            "--build-arg", f"PYTHON_IMAGE={base}", "--iidfile", str(iidfile), "-t", tag]
    bundle = host_ca_bundle()
    if bundle is not None:
        args += ["--secret", f"id=ca-bundle,src={bundle}"]
    return [*args, str(context)]


def build(context: Path, base: str = BASE, tag: str = IMAGE) -> tuple[str, Step]:
    """Build the image; the image ID it got and how long it took. The images an earlier build
    made (each step's, kept by ``--layers`` as cache) that this one no longer uses are removed,
    so buildah's storage does not grow by a venv at every change of the source."""
    started, since = time.monotonic(), int(time.time()) - 1
    with tempfile.TemporaryDirectory() as tmp:
        iidfile = Path(tmp) / "iid"
        done = run(build_command(context, base, tag, iidfile), timeout=900)
        assert done.returncode == 0, f"buildah bud: {last_lines(done.stderr + done.stdout, 30)}"
        image_id = iidfile.read_text().strip().removeprefix("sha256:")
    made = {entry["id"][:11] for entry in json.loads(buildah("images", "--all", "--json"))
            if entry["created"] >= since}
    forget_earlier_builds({image_id[:11], *made, *(i[:11] for i in CACHED.findall(done.stdout))})
    return image_id, Step("build", time.monotonic() - started)


CACHED = re.compile(r"^--> Using cache ([0-9a-f]{64})$", re.MULTILINE)
BUILDS = Path("/var/tmp/flex-watchdog-image-builds.json")


def forget_earlier_builds(used: set[str]) -> None:
    """Remove the step images recorded by earlier builds and unused now; record these."""
    try:
        earlier = set(json.loads(BUILDS.read_text()))
    except (OSError, ValueError):
        earlier = set()
    stale = sorted(earlier - used)
    if stale:  # newest first would fail on children: buildah removes what nothing else holds
        run(["buildah", "rmi", *stale], timeout=300)
    left = {i for i in stale if run(["buildah", "inspect", "--type", "image", i]).returncode == 0}
    BUILDS.write_text(json.dumps(sorted(used | left)))


def image_size(image: str) -> str:
    (entry,) = json.loads(buildah("images", "--json", image))
    size: str = entry["size"]
    return size


class Container:
    """A working container of the image whose root filesystem is read-only to every process
    ``buildah run`` starts in it. buildah's own mountpoint files go to a /run of their own.

    The image's ``VOLUME`` entries are dropped from the container, as Kubernetes ignores them:
    buildah would otherwise mount a volume of its own there, sometimes over the test's bind."""

    def __init__(self, image: str, scratch: Path) -> None:
        self.ctr = buildah("from", "--pull=never", image)
        self._mounted: list[Path] = []
        try:
            for volume in inspect(image)["OCIv1"]["config"].get("Volumes") or {}:
                buildah("config", "--volume", f"{volume}-", self.ctr)
            self.root = Path(buildah("mount", self.ctr))
            self.run_dir = scratch / "run"
            self.run_dir.mkdir()
            self._mount(["--bind", self.root, self.root])
            self._mount(["-o", "remount,bind,ro", self.root], record=False)
            self._mount(["--bind", self.run_dir, self.root / "run"])
        except BaseException:
            self.close()
            raise

    def _mount(self, args: Sequence[str | Path], record: bool = True) -> None:
        done = run(["mount", *args])
        assert done.returncode == 0, f"mount {args}: {done.stderr.strip()}"
        if record:
            self._mounted.append(Path(args[-1]))

    def command(self, argv: Sequence[str], *, env: Mapping[str, str] | None = None,
                binds: Mapping[Path, str] | None = None, user: str | None = None,
                drop_caps: bool = True) -> list[str]:
        """``buildah run`` of ``argv`` in this container, with every capability dropped as the
        chart's restricted security context does (unless ``drop_caps`` is false)."""
        args = ["buildah", "run", "--isolation", "chroot"]
        if drop_caps:
            args += ["--cap-drop", "all"]
        if user is not None:
            args += ["--user", user]
        for key, value in (env or {}).items():
            args += ["-e", f"{key}={value}"]
        for src, dst in (binds or {}).items():
            args += ["--mount", f"type=bind,src={src},dst={dst},rw"]
        return [*args, self.ctr, "--", *argv]

    def close(self) -> None:
        for target in reversed(self._mounted):
            run(["umount", target])
        run(["buildah", "umount", self.ctr])
        run(["buildah", "rm", self.ctr])


def _parents() -> dict[int, int]:
    found = {}
    for path in Path("/proc").iterdir():
        if path.name.isdigit():
            try:
                found[int(path.name)] = int((path / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return found


def _is_below(pid: int, ancestor: int, parents: Mapping[int, int]) -> bool:
    while pid > 1 and pid in parents:
        pid = parents[pid]
        if pid == ancestor:
            return True
    return False


def _argv(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def contained_process(buildah_pid: int, needle: str, timeout: float = 15) -> int:
    """The pid of the process ``buildah run`` (pid ``buildah_pid``) started in the container:
    below it, not one of buildah's own helpers, with ``needle`` in its command line. Signals
    go to it, as a container runtime sends them to the container's first process."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while time.monotonic() < deadline:
        parents = _parents()
        for pid in sorted(parents):
            argv = _argv(pid)
            if (argv and not argv[0].startswith("buildah") and needle in " ".join(argv)
                    and _is_below(pid, buildah_pid, parents)):
                return pid
        pause.wait(0.1)
    raise AssertionError(f"no process running {needle!r} below buildah (pid {buildah_pid})")


def uids(pid: int) -> list[int]:
    """Real, effective, saved and filesystem uid of a running process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return [int(x) for x in line.split()[1:]]
    raise AssertionError(f"no Uid line for pid {pid}")
