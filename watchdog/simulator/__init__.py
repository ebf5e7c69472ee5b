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
``endpoints/`` modules (one per Twilio product).

Where Twilio's behaviour is not documented, the simulator chooses (and says so):

* PageSize above the OAI maximum -> 400/20001 (strict); Proxy lists clamp pages to 100 records
  as their description says. Page tokens are cursors (``PT``/``PA`` + SID of the last item).
* Another AccountSid (or an ``SK`` SID) in a 2010 path -> 404/20404.
* Monitor Events only for IncomingPhoneNumber updates/deletions (``phone-number.updated`` with
  ``event_data.resource_properties.<field> = {previous, updated}``; ``phone-number.deleted``).
  API writes: ``actor_type`` ``account``, ``actor_sid`` the AC (the field description allows it
  although the OAI pattern says ``US``), ``source`` ``api``, the client's IP. Console breaks:
  ``user``/``US…``/``web``. A write that changes nothing logs nothing.
* Unset SID fields are ``null`` (the OAI patterns reject ``""``); unset URLs are ``""``.
* A Flex Conversations-only account has ``chat_service_instance_sid`` null and
  ``flex_service_instance_sid`` = its Conversations service; a legacy one the reverse.
* Releasing a number takes it out of Proxy pools; deleting a service leaves references to it
  (Flex Flows, Configuration, Proxy) dangling, which is the breakage the watchdog looks for.
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
