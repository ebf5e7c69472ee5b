"""Healing: guarded, verified, recorded writes that put known-safe Flex plumbing back.

``healers`` (one healer per rule ID), ``guard`` (the safety checks as pure functions),
``planner`` (findings -> plan items), ``executor`` (re-read, write, verify, reconcile),
``records`` (history and circuit breakers in the state store), ``journal`` (record + JSON log
line + metric + change event), ``fight`` (who undid a heal, from Monitor Events), ``session``
(one heal pass), ``auto`` (the daemon's cycle listener). See ``docs/healing.md``.
"""
