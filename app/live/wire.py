"""The connection under a live socket, where uvicorn serves it: one push's frame built once
for every socket and written straight to each transport, and a stuck transport cut.

Both reach past ASGI into uvicorn's protocol object; where that is not what serves the
socket (another server, a test double), they say so and the ASGI path is taken.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Callable
from typing import Any


def text_frame(text: str) -> bytes:
    """`text` as one whole server-to-client websocket text frame (RFC 6455: final, unmasked,
    uncompressed), the same bytes for every socket: built once per push, not per socket."""
    data = text.encode()
    size = len(data)
    if size < 126:
        head = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x81, 126, size)
    else:
        head = struct.pack("!BBQ", 0x81, 127, size)
    return head + data


FrameWriter = Callable[[bytes], bool]


def direct_writer(socket: object) -> FrameWriter | None:
    """Write whole frames straight to the connection under a Starlette WebSocket served by
    uvicorn's websockets-sansio protocol, or None where that is not what serves it.

    The writer refuses (returns False) unless the connection is open, has no close frame
    sent, no compression negotiated and room in its write buffer: then the send takes the
    ASGI path, which waits for the buffer to drain (and the hub's send timeout applies). A
    push to 2,000 phones is then 2,000 `transport.write`s of the same bytes, not 2,000 trips
    through Starlette, uvicorn and the websockets library building the same frame again.
    """
    protocol: Any = getattr(getattr(socket, "_send", None), "__self__", None)
    conn = getattr(protocol, "conn", None)
    transport = getattr(protocol, "transport", None)
    writable = getattr(protocol, "writable", None)
    if conn is None or transport is None or not isinstance(writable, asyncio.Event):
        return None
    if not hasattr(protocol, "close_sent") or getattr(conn, "extensions", None) != []:
        return None  # another server, or per-message compression: frames differ per socket
    try:
        from websockets.protocol import State
    except ImportError:  # pragma: no cover - websockets comes with uvicorn[standard]
        return None

    def write(frame: bytes) -> bool:
        if (
            protocol.close_sent
            or getattr(protocol, "disconnected", False)
            or conn.state is not State.OPEN
            or not writable.is_set()
            or transport.is_closing()
        ):
            return False
        transport.write(frame)
        return True

    return write


def abort_transport(socket: object) -> bool:
    """Abort the TCP connection under a Starlette WebSocket served by uvicorn.

    ASGI offers no way to drop a connection whose peer does not read: uvicorn's `send`
    waits for the write buffer to drain, close frames included. Uvicorn's ASGI `send` is
    a bound method of its protocol object, which holds the asyncio transport; Starlette
    keeps it as `WebSocket._send`, possibly wrapped in middleware closures, which we walk
    (bounded). Returns False when no transport is found (another server, a test double).
    """
    todo: list[object] = [getattr(socket, "_send", None)]
    seen: set[int] = set()
    while todo and len(seen) < 32:
        fn = todo.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        transport = getattr(getattr(fn, "__self__", None), "transport", None)
        if transport is not None and callable(getattr(transport, "abort", None)):
            with contextlib.suppress(Exception):
                transport.abort()
                return True
            return False
        for cell in getattr(fn, "__closure__", None) or ():
            with contextlib.suppress(ValueError):  # an empty cell
                if callable(cell.cell_contents):
                    todo.append(cell.cell_contents)
        if (wrapped := getattr(fn, "__wrapped__", None)) is not None:
            todo.append(wrapped)
    return False
