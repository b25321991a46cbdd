"""This machine's own addresses on the local network, so that the demo (debug mode)
answers a phone on the same Wi-Fi at http://192.168.x.y:8000/ without configuration."""

from __future__ import annotations

import contextlib
import ipaddress
import socket


def own_private_addresses() -> list[str]:
    """The private (not public, not loopback) IPv4 address of this machine's main
    interface, such as 192.168.x.y; none when it cannot be found. Settings call this at
    every start in debug mode, so it must cost nothing: no name look-up (a host name
    missing from /etc/hosts would wait for DNS, which a village intranet may not have)
    and no packet — connecting a UDP socket only chooses the interface a packet would
    leave by. Other interfaces are named with SANXIN_ALLOWED_HOSTS."""
    found: set[str] = set()
    with (
        contextlib.suppress(OSError),
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe,
    ):
        probe.connect(("10.255.255.255", 1))
        found.add(probe.getsockname()[0])
    private = []
    for text in found:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            continue
        if address.version == 4 and address.is_private and not address.is_loopback:
            private.append(text)
    return sorted(private)


if __name__ == "__main__":
    print(" ".join(own_private_addresses()))
