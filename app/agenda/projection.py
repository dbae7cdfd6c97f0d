"""The agenda tables rebuilt from the events agenda appends (docs/architecture.md, "The log is the
truth"): one function per event type, applying what the event says."""

from __future__ import annotations

from app.events.projection import Projection

PROJECTIONS: dict[str, Projection] = {}
