"""Proposals, friendly amendments and decision rounds: stages, responses and outcomes."""
