"""The demo's breakages, in the order of the recovery guide's sections, each with the guide's
repair. Each step acts on the simulated account like a person in the Twilio Console would."""

from __future__ import annotations

from watchdog.simulator.world import World

AUTORESPONDER = "https://example.com/sms-autoresponder"


class OverwriteMessageWebhook:
    name = "message-webhook-overwritten"  # `simulator --break NAME` and the control endpoint
    title = 'A Flex number\'s "A message comes in" is overwritten in the Console'
    guide = "Números de teléfono"
    note = ("Twilio logs a Monitor event for it: the daemon refreshes numbers at once, and "
            "heals it (this is the one rule armed to heal by default).")
    expect = ("numbers.message-webhook-overwritten",)
    accept_baseline = False
    healed_by_daemon = True

    def breaks(self, world: World) -> str:
        self.sid = world.flex_numbers[0]
        number = world.number(self.sid)
        self.url, self.phone = number["sms_url"], number["phone_number"]
        world.set_number(self.sid, sms_url=AUTORESPONDER)
        return f'{self.phone}: "A message comes in" set to {AUTORESPONDER}'

    def repair(self, world: World) -> list[str]:
        """The guide's repair, for a run without the daemon's heal."""
        world.set_number(self.sid, sms_url=self.url)
        return [f'{self.phone}: "A message comes in" points at the Flex Proxy Service again']


class DeleteProxyService:
    name = "proxy-service-deleted"
    title = "The Flex Proxy Service is deleted; customers' texts start failing"
    guide = "Servicio Proxy"
    note = "No Monitor event covers Proxy, but the Debugger alert refreshes it at once."
    expect = ("proxy.service-missing",)
    accept_baseline = True
    restore = True

    def breaks(self, world: World) -> str:
        old = world.flex_proxy_sid or ""
        world.delete(old)
        number = world.number(world.flex_numbers[1])
        world.add_alert(80620, resource_sid=number["sid"],
                        alert_text=f"Phone number {number['phone_number']} is not in the "
                                   "Proxy pool")
        return (f"Proxy Service {old} deleted; a customer texts {number['phone_number']} "
                "and Twilio logs Debugger error 80620")

    def repair(self, world: World) -> list[str]:
        """System Checkup only: ``flex-watchdog restore`` does the rest of the guide."""
        checkup = world.recreate_proxy_service()
        return [f"System Checkup creates a new Flex Proxy Service {checkup.proxy_sid} (and a "
                "Messaging flow, a Webchat flow and a webchat Flex Flow nobody needs)"]


class ChangeSendToFlexChannel:
    name = "send-to-flex-voice-channel"
    title = "Messaging Flow's Send to Flex widget is switched to the Voice channel"
    guide = "Studio Flows"
    note = "Studio changes have no Monitor event: the scheduled Studio poll finds it."
    expect = ("studio.send-to-flex-channel-invalid",)
    accept_baseline = False

    def breaks(self, world: World) -> str:
        self.flow = world.flows["Messaging Flow"]
        world.edit_flow(self.flow, channel=world.task_channels["voice"])
        return 'Studio: "Messaging Flow" Send to Flex channel set to Voice, flow published'

    def repair(self, world: World) -> list[str]:
        world.edit_flow(self.flow, channel=world.task_channels["chat"])
        return ['Studio: channel set back to "Programmable Chat", flow published']


class DeleteWorkspace:
    name = "workspace-deleted"
    title = "The TaskRouter workspace \"Flex Task Assignment\" is deleted"
    guide = "Espacio de trabajo de TaskRouter"
    note = "No Monitor event either: the scheduled TaskRouter poll finds it."
    expect = ("taskrouter.workspace-missing",)
    accept_baseline = True
    restore = True

    def breaks(self, world: World) -> str:
        self.old = world.workspace_sid or ""
        world.delete(self.old)
        return f"TaskRouter workspace {self.old} deleted (workflow and channels with it)"

    def repair(self, world: World) -> list[str]:
        """System Checkup only: ``flex-watchdog restore`` re-points the Send to Flex widgets."""
        world.workspace_sid = None  # already deleted: Checkup only creates the new one
        new = world.recreate_workspace()
        return [f"System Checkup creates workspace {new} with \"Assign to Anyone\" and the "
                "task channels"]


def tour_steps() -> list[OverwriteMessageWebhook | DeleteProxyService | ChangeSendToFlexChannel
                         | DeleteWorkspace]:
    return [OverwriteMessageWebhook(), DeleteProxyService(), ChangeSendToFlexChannel(),
            DeleteWorkspace()]
