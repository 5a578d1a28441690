"""Value types and shared flags of the ``suite`` command's arguments (argparse)."""
from __future__ import annotations

import argparse
import ipaddress
import re
from pathlib import Path


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port '{text}'; give a number in 1..65535, e.g. 8000") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is outside 1..65535; e.g. 8000")
    return value


def address(text: str) -> str:
    """An IP address or a host name (RFC 1123 labels); anything else cannot be served or reached."""

    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        pass
    label = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
    if len(text) <= 253 and re.fullmatch(rf"{label}(\.{label})*", text) and not text.replace(".", "").isdigit():
        return text
    raise argparse.ArgumentTypeError(f"'{text}' is not an IP address or host name; e.g. 127.0.0.1 or chief-host")


def directory(text: str) -> Path:
    """A directory flag's value; an empty one would silently mean the current directory."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"'{text}' is an empty path; give a directory, e.g. runs or /tmp/suite")
    return Path(text)


def output_flags(parser) -> None:
    parser.add_argument("--quiet", action="store_true", help="no progress lines: results and errors only")
    parser.add_argument("--verbose", action="store_true",
                        help="also show the libraries' own messages (TensorFlow, JAX, absl, warnings)")
