"""The floor: snapshot, findings, results, topology, URL forms, Studio definitions.

Imports nothing above ``settings``; every other package may import it.
"""
