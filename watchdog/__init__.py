"""flex-watchdog: keeps a Twilio Flex account's messaging and voice plumbing intact."""

__version__ = "0.1.0"
DISTRIBUTION = "flex-watchdog"
