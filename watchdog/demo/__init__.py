"""The demo: a scripted tour of the recovery guide's breakages against the embedded simulator."""
