"""The demo's breakages on a Flex Conversations account (``demo --world conversations``), each
with its repair, acting on the simulated account like a person in the Twilio Console."""

from __future__ import annotations

from typing import Any

from watchdog.simulator.records import proxy_webhook_url
from watchdog.simulator.world import World

GUIDE = "Flex Conversations"
OLD_PROXY = "KS" + "0" * 31 + "1"  # the Flex Proxy Service of the account's legacy years


class DeleteAddressFlow:
    name = "address-flow-deleted"
    title = 'The "Messaging Flow" every Conversations address starts is deleted'
    guide = GUIDE
    note = ("Studio changes have no Monitor event: the scheduled Studio poll finds it, one "
            "finding per address, the deleted flow explained by them.")
    expect = ("conversations.address-studio-flow-missing",)
    accept_baseline = True  # the recreated flow has a new SID

    def breaks(self, world: World) -> str:
        self.sid = world.flows["Messaging Flow"]
        with world.lock:
            self.definition: Any = world.store.flows[self.sid]["definition"]
        world.delete(self.sid)
        return f'Studio flow "Messaging Flow" ({self.sid}) deleted'

    def repair(self, world: World) -> list[str]:
        new = world.flows["Messaging Flow"] = world.add_flow("Messaging Flow", self.definition)
        addresses = [*world.address_configs.values(), *world.whatsapp_addresses.values()]
        for sid in addresses:
            world.set_address(sid, studio_flow_sid=new)
        return [f'Studio: "Messaging Flow" imported again ({new}), published',
                f"Conversation Addresses: {len(addresses)} addresses point at it"]


class DisableAutoCreation:
    name = "address-autocreation-disabled"
    title = "Auto-creation is switched off on a Conversations address"
    guide = GUIDE
    note = "Address changes push no event: the scheduled services poll finds it."
    expect = ("conversations.address-autocreation-disabled",)
    accept_baseline = False

    def breaks(self, world: World) -> str:
        self.sid = world.address_configs[world.conversations_numbers[0]]
        world.set_address(self.sid, enabled=False)
        return f"Conversation Addresses: {self.sid} auto-creation disabled"

    def repair(self, world: World) -> list[str]:
        world.set_address(self.sid, enabled=True)
        return [f"Conversation Addresses: {self.sid} auto-creation enabled again"]


class PasteProxyUrl:
    name = "proxy-url-on-conversations-number"
    title = 'An old Proxy webhook is pasted into a Conversations number\'s "A message comes in"'
    guide = GUIDE
    note = ("The number is Flex Conversations by structure (its address), so this is the one "
            "finding: not proxy.service-missing, not numbers.stack-conflict.")
    expect = ("numbers.message-webhook-set-on-conversations",)
    accept_baseline = False

    def breaks(self, world: World) -> str:
        self.sid = world.conversations_numbers[1]
        self.phone = world.number(self.sid)["phone_number"]
        url = proxy_webhook_url(world.account_sid, OLD_PROXY)
        world.set_number(self.sid, sms_url=url)
        return f'{self.phone}: "A message comes in" set to {url}'

    def repair(self, world: World) -> list[str]:
        world.set_number(self.sid, sms_url="")
        return [f'{self.phone}: "A message comes in" blank again']


def conversation_steps() -> list[DeleteAddressFlow | DisableAutoCreation | PasteProxyUrl]:
    return [DeleteAddressFlow(), DisableAutoCreation(), PasteProxyUrl()]
