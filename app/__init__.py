"""Mic Check: consensus general assemblies, live on a projector, a console and phones."""
