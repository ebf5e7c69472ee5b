"""Which process owns a state file: the daemon holds an advisory lock on ``<state>.lock``.

``flex-watchdog run`` takes an exclusive ``flock`` on the sidecar for its lifetime. The kernel
drops it when the process ends, however it ends (``kill -9`` and a crash included), so a stale
owner never lingers the way a pid row or a heartbeat would. ``check`` and ``heal --plan`` test
for it and, when a daemon holds it, read the state file without writing anything to it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from watchdog.errors import StateError


def lock_path(state: Path | str) -> Path:
    return Path(f"{state}.lock")


def _is_file_state(state: Path | str) -> bool:
    return str(state) not in ("", ":memory:")


class OwnerLock:
    """The daemon's hold on the state file, from ``acquire()`` until ``release()`` or exit."""

    def __init__(self, state: Path | str) -> None:
        self.path = lock_path(state)
        self._fd: int | None = None
        self._enabled = _is_file_state(state)

    def acquire(self) -> None:
        """Raises StateError when another process holds it (two daemons on one state file)."""
        if not self._enabled or self._fd is not None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StateError(f"state: cannot create {self.path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StateError(f"state: {self.path}: another flex-watchdog run owns this state "
                             "file; run one daemon per state file") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for people; the lock is what counts
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None


def owned(state: Path | str) -> bool:
    """True while a daemon holds the state file's lock (a shared lock would have to wait)."""
    if not _is_file_state(state):
        return False
    try:
        fd = os.open(lock_path(state), os.O_RDONLY)
    except OSError:
        return False  # no lock file: no daemon has ever run here
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops the shared lock, when it was taken
    return False


def owner(state: Path | str) -> str:
    """Who holds the state file, for a message: ``the running flex-watchdog (pid 12)``."""
    if not owned(state):
        return "another flex-watchdog process"
    try:
        pid = lock_path(state).read_text().strip()
    except OSError:
        pid = ""
    return f"the running flex-watchdog (pid {pid})" if pid.isdigit() else "the running flex-watchdog"
