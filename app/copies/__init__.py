"""Copies of an assembly: its tables rebuilt from its log (replay), an export carried to
another server (import), a second laptop following live and taking over (mirror)."""
