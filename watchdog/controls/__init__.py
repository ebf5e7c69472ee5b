"""Operator controls: silences, config ignores, maintenance windows, trusted automation.

A control never hides a finding: it marks it (``details.silence``, ``details.maintenance``) and
changes only what pages and what heals.
"""
