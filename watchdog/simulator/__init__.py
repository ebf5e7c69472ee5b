"""A loopback Twilio: the REST endpoints flex-watchdog polls, served from an in-memory account.

The product reaches it through its base-URL override: ``https://<product>.twilio.com/<path>``
becomes ``<server.url>/<product>/<path>`` (same method, body and Basic auth). Lists paginate as
Twilio does (v1/v2 ``meta`` with absolute ``https://<product>.twilio.com`` URLs; 2010
``*_page_uri`` relative URIs), errors carry Twilio's error body, and every body follows the
twilio-oai response schemas.

Typical use::

    from watchdog.simulator import Fault, SimulatorServer, healthy_legacy

    world = healthy_legacy()
    with SimulatorServer(world) as server:
        world.set_number(world.flex_numbers[0], sms_url="https://example.com/other")
        server.faults.add(Fault("429", product="flex-api", times=1, retry_after=1))
        ...  # point the product at server.url with world.account_sid / world.auth_token

Modules: ``builders`` (ready-made worlds, ``WORLDS``), ``world`` (state, SIDs, break and repair
operations), ``faults`` (fault kinds), ``server`` (``SimulatorServer``, ``serve``), and the
``endpoints_*`` modules (one per Twilio product).
"""

from watchdog.simulator.builders import (
    WORLDS,
    add_conversations_number,
    add_legacy_number,
    add_other_number,
    e164,
    healthy_conversations,
    healthy_legacy,
    large,
    mixed,
)
from watchdog.simulator.faults import KINDS as FAULT_KINDS
from watchdog.simulator.faults import Fault, FaultSet
from watchdog.simulator.requestlog import RequestLog, RequestRecord
from watchdog.simulator.server import SimulatorServer, serve
from watchdog.simulator.world import CheckupResult, World

__all__ = [
    "FAULT_KINDS",
    "WORLDS",
    "CheckupResult",
    "Fault",
    "FaultSet",
    "RequestLog",
    "RequestRecord",
    "SimulatorServer",
    "World",
    "add_conversations_number",
    "add_legacy_number",
    "add_other_number",
    "e164",
    "healthy_conversations",
    "healthy_legacy",
    "large",
    "mixed",
    "serve",
]
