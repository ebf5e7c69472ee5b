"""One module per Twilio product, mirroring ``watchdog/fetchers/``."""
