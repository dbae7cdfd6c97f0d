"""A phone that completes the websocket handshake and then never reads."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import os
import socket
import termios
from dataclasses import dataclass
from time import perf_counter

TCP_STATES = {
    "01": "ESTABLISHED",
    "02": "SYN_SENT",
    "03": "SYN_RECV",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "07": "CLOSE",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
}


@dataclass(frozen=True)
class ServerSide:
    """The server's end of a TCP connection, as /proc/net/tcp shows it."""

    state: str
    queued: int  # bytes written by the server and not yet acknowledged by the phone


def server_side(server_port: int, client_port: int) -> ServerSide | None:
    """The server's end of the connection 127.0.0.1:client_port -> server_port, if any."""
    local = f"0100007F:{server_port:04X}"
    remote = f"0100007F:{client_port:04X}"
    with open("/proc/net/tcp") as table:
        next(table)
        for line in table:
            fields = line.split()
            if fields[1] == local and fields[2] == remote:
                tx_queue = int(fields[4].split(":")[0], 16)
                return ServerSide(TCP_STATES.get(fields[3], fields[3]), tx_queue)
    return None


@dataclass(frozen=True)
class Drained:
    """What a slow phone finds once it reads again after the server let go of it."""

    size: int
    messages: int
    close_code: int | None  # None: no close frame, the connection was cut
    error: str | None


def parse_server_frames(data: bytes) -> tuple[int, int | None]:
    """Count complete messages in an unmasked frame stream; and the close code, if any."""
    messages, position = 0, 0
    while position + 2 <= len(data):
        first, second = data[position], data[position + 1]
        length, position = second & 0x7F, position + 2
        if length in (126, 127):
            width = 2 if length == 126 else 8
            if position + width > len(data):
                break
            length = int.from_bytes(data[position : position + width], "big")
            position += width
        if position + length > len(data):
            break
        payload = data[position : position + length]
        position += length
        opcode = first & 0x0F
        if opcode == 0x8:
            return messages, int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
        if first & 0x80 and opcode in (0x0, 0x1, 0x2):
            messages += 1
    return messages, None


class SlowPhone:
    """A phone that completes the websocket handshake and then never reads.

    Its socket asks for a small receive buffer and a 1400-byte MSS before connecting: on
    loopback the MSS is ~64 KB and Linux sizes the server's send buffer from it (~4 MB),
    so buffers would take minutes of pushes to fill; with the MSS of a real network path
    the server's kernel buffer is ~100 KB, as it would be for a phone on Wi-Fi.
    """

    def __init__(self, token: str) -> None:
        self.token = token
        self.sock: socket.socket | None = None
        self.client_port = 0
        self.opened_at: float | None = None
        self.released_at: float | None = None  # the server's end left ESTABLISHED
        self.released_state: str | None = None
        self._head = b""  # bytes read along with the handshake reply
        self._watcher: asyncio.Task[None] | None = None

    async def connect(self, host: str, port: int, path: str) -> None:
        """Do the handshake by hand; raise on anything but 101."""
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1400)
        sock.setblocking(False)
        await loop.sock_connect(sock, (host, port))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {self.token}\r\nUser-Agent: miccheck-bench-slow\r\n\r\n"
        )
        await loop.sock_sendall(sock, request.encode())
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 4096), 30)
            if not chunk:
                raise ConnectionError("the server closed the slow phone during its handshake")
            reply += chunk
        head, _, self._head = reply.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise ConnectionError(f"slow phone handshake refused: {status!r}")
        self.sock = sock
        self.client_port = sock.getsockname()[1]
        self.opened_at = perf_counter()

    def watch(self, server_port: int, interval: float = 0.25) -> None:
        """Poll the server's end of the connection and note when it lets go.

        Each poll reads /proc/net/tcp, ~12 ms of the load generator's CPU with 2,000
        sockets open: poll only while it matters, and not too often.
        """
        self._watcher = asyncio.create_task(self._watch(server_port, interval))

    async def _watch(self, server_port: int, interval: float) -> None:
        while True:
            side = server_side(server_port, self.client_port)
            if side is None or side.state != "ESTABLISHED":
                self.released_at = perf_counter()
                self.released_state = side.state if side else "gone"
                return
            await asyncio.sleep(interval)

    def unread(self) -> int:
        """Bytes waiting in this phone's own receive buffer."""
        if self.sock is None:
            return 0
        buffer = bytearray(4)
        fcntl.ioctl(self.sock.fileno(), termios.FIONREAD, buffer)
        return int.from_bytes(buffer, "little")

    def server_queued(self, server_port: int) -> int | None:
        """Bytes the server's kernel holds for this phone, or None once the server let go."""
        side = server_side(server_port, self.client_port)
        return side.queued if side is not None and side.state == "ESTABLISHED" else None

    async def drain(self, timeout: float = 10.0) -> Drained:
        """Read everything that is left, until the end of the stream or `timeout`."""
        assert self.sock is not None
        loop = asyncio.get_running_loop()
        data, error = bytearray(self._head), None
        try:
            async with asyncio.timeout(timeout):
                while chunk := await loop.sock_recv(self.sock, 65536):
                    data += chunk
        except TimeoutError:
            error = "still open after draining"
        except OSError as exc:
            error = f"{type(exc).__name__}: {exc.strerror or exc}"
        messages, code = parse_server_frames(bytes(data))
        return Drained(len(data), messages, code, error)

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
