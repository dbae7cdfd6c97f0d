"""Live updates: the hub that renders once per view and pushes to every socket, and its buses."""

from app.live.backends import Backend, Listener, MemoryBackend, RedisBackend, make_backend
from app.live.events import EventLoader
from app.live.hub import Hub, PageRenderer, Rendered, seat
from app.live.outbox import Socket

__all__ = [
    "Backend",
    "EventLoader",
    "Hub",
    "Listener",
    "MemoryBackend",
    "PageRenderer",
    "RedisBackend",
    "Rendered",
    "Socket",
    "make_backend",
    "seat",
]
