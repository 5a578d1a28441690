"""The chief's and the workers' addresses checked before anything starts: one line, exit 2.

Kept apart from ``suite.execution.cluster`` because the CLI checks addresses before it chooses the Keras
backend, and ``suite.execution.cluster`` imports keras-tuner (and so Keras).
"""
from __future__ import annotations

import errno
import ipaddress
import socket

from suite.errors import UserError


def check_port(port: int) -> None:
    if not 1 <= port <= 65535:
        raise UserError(f"--oracle-port {port} is out of range; choose a port in 1..65535 "
                        f"(above 1023 needs no root)")


def check_bind(host: str, port: int) -> None:
    """The chief's address can be served: ``host`` is this machine's and ``port`` is free.

    Raises UserError naming the problem and the fix (keras-tuner's would be a RuntimeError)."""
    check_port(port)
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    except ValueError:
        raise UserError(f"--oracle-ip {host!r} is not an IP address; give one of this host's "
                        f"addresses (see `ip addr`) or 0.0.0.0 for all of them") from None
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As gRPC binds: a port left in TIME_WAIT by a chief that just died is free, a listener is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                raise UserError(f"--oracle-ip {host} is not an address of this host ({socket.gethostname()}); "
                                f"give one of its addresses (see `ip addr`) or 0.0.0.0 for all") from None
            if exc.errno == errno.EADDRINUSE:
                raise UserError(f"port {port} on {host} is in use (another chief?); choose another "
                                f"--oracle-port or stop what holds it") from None
            if exc.errno == errno.EACCES:
                raise UserError(f"port {port} needs root; choose --oracle-port above 1023") from None
            raise UserError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another "
                            f"--oracle-ip / --oracle-port") from None


def check_chief_address(host: str, port: int) -> None:
    """A worker's view of the chief's address: a port in range and a name that resolves."""
    check_port(port)
    try:
        socket.getaddrinfo(host, port)
    except socket.gaierror:
        raise UserError(f"--oracle-ip {host!r} does not resolve to an address; give the chief "
                        f"host's IP address or name") from None
