"""Reading a Conversations address configuration: its ``auto_creation`` object as Twilio
returns it (kept whole in the essence), with enum values compared case-insensitively (the OAI
example ``createWhatsappCaseInsensitive`` answers ``"type": "whAtsAPP"``)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from watchdog.model.snapshot import Resource

CREATION_TYPES = ("webhook", "studio", "default")
EMPTY: Mapping[str, Any] = MappingProxyType({})


def auto_creation(address: Resource) -> Mapping[str, Any]:
    """The address's ``auto_creation`` object, or an empty one when absent or malformed."""
    value = address.get("auto_creation")
    return value if isinstance(value, Mapping) else EMPTY


def creation_type(address: Resource) -> str:
    """``auto_creation.type`` in lower case ("" when missing)."""
    value = auto_creation(address).get("type")
    return value.strip().lower() if isinstance(value, str) else ""


def address_type(address: Resource) -> str:
    """The address's channel type (``sms``, ``whatsapp``, ``chat``...) in lower case."""
    value = address.get("type")
    return value.strip().lower() if isinstance(value, str) else ""


def enabled(address: Resource) -> bool:
    """Whether auto-creation is on (``enabled`` true; a missing flag is not on)."""
    return auto_creation(address).get("enabled") is True
