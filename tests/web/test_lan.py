"""`miccheck serve --lan` finds the address phones on the venue's network reach this laptop at,
with no internet: the sockets and the hostname's addresses are injected, never the machine's."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from app.web import lan


@dataclass
class FakeUdp:
    """A UDP socket whose route lookup answers from a table (None: no route, OSError)."""

    routes: dict[str, str | None]
    asked: list[tuple[str, int]] = field(default_factory=list)
    closed: int = 0
    _local: str = "0.0.0.0"

    def connect(self, address: tuple[str, int], /) -> None:
        self.asked.append(address)
        local = self.routes.get(address[0])
        if local is None:
            raise OSError(101, "Network is unreachable")
        self._local = local

    def getsockname(self) -> tuple[str, int]:
        return (self._local, 40000)

    def close(self) -> None:
        self.closed += 1


def finder(udp: FakeUdp, hostname: list[str] | None = None) -> str | None:
    return lan.lan_address(make_socket=lambda: udp, host_addresses=lambda: hostname or [])


def test_the_outgoing_interface_address_is_the_lan_address() -> None:
    udp = FakeUdp({"10.255.255.255": "192.168.1.20"})
    assert finder(udp, ["127.0.1.1", "10.0.0.9"]) == "192.168.1.20"
    # Asked about a private address only, and the socket was let go.
    assert udp.asked == [("10.255.255.255", lan.PROBE_PORT)] and udp.closed == 1


def test_a_network_without_a_route_to_one_private_range_tries_the_next() -> None:
    udp = FakeUdp({"10.255.255.255": None, "192.168.255.255": "192.168.4.7"})
    assert finder(udp) == "192.168.4.7"
    assert [host for host, _ in udp.asked] == ["10.255.255.255", "192.168.255.255"]
    assert udp.closed == 2


def test_without_any_route_the_hostnames_first_non_loopback_address_is_used() -> None:
    udp = FakeUdp({})
    assert finder(udp, ["127.0.1.1", "127.0.0.1", "10.42.0.1", "10.42.0.2"]) == "10.42.0.1"


@pytest.mark.parametrize(
    "local", ["127.0.0.1", "0.0.0.0", "169.254.10.3"], ids=["loopback", "unbound", "link-local"]
)
def test_an_address_no_phone_could_reach_is_never_chosen(local: str) -> None:
    udp = FakeUdp(dict.fromkeys(lan.PROBES, local))
    assert finder(udp, ["127.0.1.1"]) is None
    assert finder(udp, ["127.0.1.1", "172.20.0.5"]) == "172.20.0.5"


def test_no_lan_address_at_all_is_none_not_loopback() -> None:
    assert finder(FakeUdp({}), ["127.0.0.1", "not-an-address", "::1"]) is None


def test_a_machine_that_cannot_make_a_socket_falls_back_to_the_hostname() -> None:
    def no_sockets() -> FakeUdp:
        raise OSError(97, "Address family not supported")

    found = lan.lan_address(make_socket=no_sockets, host_addresses=lambda: ["192.168.0.3"])
    assert found == "192.168.0.3"


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("192.168.1.20", True),
        ("10.0.0.1", True),
        ("172.16.5.4", True),
        ("127.0.1.1", False),
        ("169.254.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("fe80::1", False),
        ("laptop.local", False),
    ],
)
def test_only_reachable_ipv4_addresses_are_usable(address: str, ok: bool) -> None:
    assert lan.usable(address) is ok


def test_the_public_url_is_plain_http_on_the_port_served() -> None:
    assert lan.public_url("192.168.1.20", 8000) == "http://192.168.1.20:8000"
