"""Assemblies, participants, roles and the agenda."""
