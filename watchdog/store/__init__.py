"""The SQLite state file: baseline, last snapshot, open findings, caches, cursors, outbox, heal records."""
