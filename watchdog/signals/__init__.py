"""Change signals: Monitor Events and Debugger feeds, the signed webhook, evidence on findings."""
