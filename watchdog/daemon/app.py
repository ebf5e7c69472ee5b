"""The composition root: the one place that wires the watcher and the daemon together.

``build_watcher(settings)`` is the watcher every command polls with: the state store, Twilio
access and the evidence the rules read beyond the snapshot (the tripped heal breakers, for
``heal.fight-detected``). ``build_daemon(settings)`` is what ``flex-watchdog run`` starts: that
watcher, metrics, the daemon's jobs, paging through PagerDuty and the auto-healer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from watchdog.cycle import Watcher
from watchdog.healing.records import FIGHT_RULE, fight_evidence
from watchdog.settings import Settings
from watchdog.store.store import StateStore
from watchdog.twilio_api import TwilioAccess, connect


def build_watcher(settings: Settings, store: StateStore | None = None,
                  access: TwilioAccess | None = None) -> Watcher:
    """The watcher for ``settings``: its state file and the account, opened unless given."""
    store = store or StateStore(settings.state_path)
    return Watcher(settings, store, access or connect(settings),
                   evidence={FIGHT_RULE: partial(fight_evidence, store)})


Clock = Callable[[], datetime]
