"""The fan-out floor: a raw `websockets` server broadcasting the same bytes as one of the
app's pushes to the same number of sockets, in its own process (`python -m bench.rawcast
PORT TEXT_FILE`), on the event loop the app runs on (uvloop when installed).

Every socket but the control one just listens. The control socket (path `/control`) sends
"N SPACING": the server `broadcast()`s the text N times, SPACING seconds apart, and answers
"done". A plain HTTP GET (no upgrade) answers 200, so the parent knows it is up. The parent
reads the process's CPU time before and after (bench.process), as it does for the app.
"""

from __future__ import annotations

import asyncio
import sys
from http import HTTPStatus
from pathlib import Path

from websockets.asyncio.server import Request, Response, ServerConnection, broadcast, serve

CONTROL = "/control"


async def _serve(port: int, text: str) -> None:
    listeners: set[ServerConnection] = set()

    def plain_http(connection: ServerConnection, request: Request) -> Response | None:
        if "upgrade" not in request.headers.get("connection", "").lower():
            return connection.respond(HTTPStatus.OK, "rawcast\n")
        return None

    async def handler(connection: ServerConnection) -> None:
        if connection.request is not None and connection.request.path == CONTROL:
            async for message in connection:
                count, spacing = str(message).split()
                for _ in range(int(count)):
                    broadcast(listeners, text)
                    await asyncio.sleep(float(spacing))
                await connection.send("done")
            return
        listeners.add(connection)
        try:
            await connection.wait_closed()
        finally:
            listeners.discard(connection)

    async with serve(
        handler,
        "127.0.0.1",
        port,
        process_request=plain_http,
        compression=None,
        ping_interval=None,  # the app pings every socket only every heartbeat (15 s)
        max_size=None,
        backlog=4096,
    ) as server:
        await server.serve_forever()


def main(argv: list[str]) -> None:
    from bench.server import raise_open_file_limit

    raise_open_file_limit(65536)
    port, text = int(argv[0]), Path(argv[1]).read_text()
    try:
        import uvloop
    except ImportError:
        asyncio.run(_serve(port, text))
    else:
        uvloop.run(_serve(port, text))


if __name__ == "__main__":
    main(sys.argv[1:])
