"""How phones on a venue's network reach this server: its LAN address, found with no internet.

A UDP socket `connect()` sends no packet; it only asks the kernel which interface (and so
which local address) would carry traffic to that address. A private destination works on a
network with no route to the internet. When that finds nothing usable, the hostname's
addresses are tried. Loopback (127.*) and link-local without a DHCP lease (169.254.*) are
never a phone's way in.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import Any, Protocol

# Private destinations asked about in turn; nothing is sent to them.
PROBES = ("10.255.255.255", "192.168.255.255", "172.31.255.255")
PROBE_PORT = 9  # discard; a UDP connect() only picks a route


class Probe(Protocol):
    """The part of a UDP socket `outgoing_address` uses (tests pass their own)."""

    def connect(self, address: tuple[str, int], /) -> None: ...
    def getsockname(self) -> Any: ...
    def close(self) -> None: ...


def _udp_socket() -> Probe:
    return socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def usable(address: str) -> bool:
    """An IPv4 address another device on the network could reach this one at."""
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def outgoing_address(
    make_socket: Callable[[], Probe] = _udp_socket, probes: Iterable[str] = PROBES
) -> str | None:
    """The local address of the interface traffic to a private network would leave by."""
    for destination in probes:
        try:
            probe = make_socket()
        except OSError:
            return None
        try:
            probe.connect((destination, PROBE_PORT))
            address = str(probe.getsockname()[0])
        except OSError:  # no route to this private range: try the next one
            continue
        finally:
            probe.close()
        if usable(address):
            return address
    return None


def hostname_addresses() -> list[str]:
    """The IPv4 addresses this machine's hostname resolves to (may be only 127.0.1.1)."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return [str(info[4][0]) for info in infos]


def lan_address(
    make_socket: Callable[[], Probe] = _udp_socket,
    host_addresses: Callable[[], list[str]] = hostname_addresses,
) -> str | None:
    """This machine's LAN IPv4 address, or None when it has none phones could use."""
    found = outgoing_address(make_socket)
    if found is not None:
        return found
    for address in host_addresses():
        if usable(address):
            return address
    return None


def public_url(address: str, port: int) -> str:
    """The base URL phones use: `http://ADDR:PORT` (a venue network has no TLS)."""
    return f"http://{address}:{port}"
