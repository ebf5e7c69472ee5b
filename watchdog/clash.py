"""Detect the unrelated ``watchdog`` distribution (file-system events) sharing our import name.

Both install a top-level ``watchdog`` package; whichever was installed last wins, silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import metadata

import watchdog


def distribution_clash(mapping: Mapping[str, list[str]] | None = None) -> str | None:
    """A one-line error when ``watchdog`` is not (only) flex-watchdog's package, else None."""
    providers = (mapping if mapping is not None else metadata.packages_distributions()).get(
        "watchdog", [])
    others = sorted({p for p in providers if p.lower().replace("_", "-") != "flex-watchdog"})
    if getattr(watchdog, "DISTRIBUTION", None) != "flex-watchdog" or others:
        who = ", ".join(others) or "another distribution"
        return (f"flex-watchdog: the import name 'watchdog' is also provided by {who} "
                "(e.g. the file-system events package); install flex-watchdog in its own "
                "virtual environment")
    return None
