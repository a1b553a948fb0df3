"""Validation of signalling messages, and keeping ICE candidates within given networks.

Accepted messages (anything else raises :class:`SignalError`)::

    {"type": "offer" | "answer", "sdp": str}
    {"type": "candidate", "candidate": str, "sdpMid": str | None,
     "sdpMLineIndex": int | None, "usernameFragment": str | None}
    {"type": "bye"}
    {"type": "restart"}          # ask the peer for an ICE restart

``sdpMid``, ``sdpMLineIndex`` and ``usernameFragment`` may be omitted (they
default to None), but a candidate needs at least one of ``sdpMid`` and
``sdpMLineIndex`` (as ``RTCIceCandidate`` does). ``usernameFragment`` is
accepted so a browser's ``candidate.toJSON()`` can be sent unchanged. An empty
``candidate`` string is the end-of-candidates marker.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = [
    "MAX_CANDIDATE_BYTES",
    "MAX_SDP_BYTES",
    "SignalError",
    "address_is_public",
    "candidate_within",
    "candidates_within",
    "parse_networks",
    "public_candidates_only",
    "validate_signal",
]

MAX_SDP_BYTES = 64 * 1024
MAX_CANDIDATE_BYTES = 1024
MAX_MID_LENGTH = 256
MAX_UFRAG_LENGTH = 256
MAX_MLINE_INDEX = 1023
LOOPBACK = "127.0.0.1"

_SHAPES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # type: (required keys, optional keys), "type" excluded
    "offer": (frozenset({"sdp"}), frozenset()),
    "answer": (frozenset({"sdp"}), frozenset()),
    "candidate": (
        frozenset({"candidate"}),
        frozenset({"sdpMid", "sdpMLineIndex", "usernameFragment"}),
    ),
    "bye": (frozenset(), frozenset()),
    "restart": (frozenset(), frozenset()),
}
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_FIRST_LINE_RE = re.compile(r"v=0(\r\n|\n|$)")


class SignalError(ValueError):
    """A signalling message that is malformed or not allowed."""


def _utf8_size(value: str, what: str) -> int:
    try:
        return len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise SignalError(f"{what} is not valid Unicode text") from None


def _check_text(value: object, what: str, max_bytes: int) -> str:
    if not isinstance(value, str):
        raise SignalError(f"{what} must be a string, got {type(value).__name__}")
    if len(value) > max_bytes or _utf8_size(value, what) > max_bytes:
        raise SignalError(f"{what} is larger than {max_bytes} bytes")
    if "\x00" in value:
        raise SignalError(f"{what} contains a NUL character")
    return value


def _check_sdp(value: object) -> str:
    sdp = _check_text(value, "sdp", MAX_SDP_BYTES)
    if _FIRST_LINE_RE.match(sdp) is None:
        raise SignalError("sdp must start with the line 'v=0'")
    return sdp


def _check_candidate(message: dict) -> dict:
    candidate = _check_text(message["candidate"], "candidate", MAX_CANDIDATE_BYTES)
    if "\r" in candidate or "\n" in candidate:
        raise SignalError("candidate must be a single line")
    if candidate and not candidate.startswith("candidate:"):
        raise SignalError("candidate must start with 'candidate:' (or be empty)")

    mid = message.get("sdpMid")
    if mid is not None:
        _check_text(mid, "sdpMid", MAX_MID_LENGTH)
        if any(c in mid for c in "\r\n"):
            raise SignalError("sdpMid must be a single line")

    index = message.get("sdpMLineIndex")
    if index is not None:
        if isinstance(index, bool) or not isinstance(index, int):
            raise SignalError(
                f"sdpMLineIndex must be an integer or null, got {type(index).__name__}"
            )
        if not 0 <= index <= MAX_MLINE_INDEX:
            raise SignalError(f"sdpMLineIndex must be between 0 and {MAX_MLINE_INDEX}")

    if mid is None and index is None:
        raise SignalError("candidate needs sdpMid or sdpMLineIndex")

    out = {"type": "candidate", "candidate": candidate, "sdpMid": mid, "sdpMLineIndex": index}
    ufrag = message.get("usernameFragment")
    if ufrag is not None:
        _check_text(ufrag, "usernameFragment", MAX_UFRAG_LENGTH)
        if any(c in ufrag for c in "\r\n"):
            raise SignalError("usernameFragment must be a single line")
        out["usernameFragment"] = ufrag
    return out


def validate_signal(message: object) -> dict:
    """Check a decoded JSON signalling message; return a normalised copy.

    Raises :class:`SignalError` (and nothing else) for any invalid input.
    """
    if not isinstance(message, dict):
        raise SignalError(f"message must be a JSON object, got {type(message).__name__}")
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in _SHAPES:
        raise SignalError(f"type must be one of {', '.join(sorted(_SHAPES))}")
    required, optional = _SHAPES[kind]
    keys = set(message) - {"type"}
    unknown = keys - required - optional
    if unknown:
        names = ", ".join(sorted(repr(k) for k in unknown))
        raise SignalError(f"unknown key(s) for a {kind!r} message: {names}")
    missing = required - keys
    if missing:
        raise SignalError(f"missing key(s) for a {kind!r} message: {', '.join(sorted(missing))}")

    if kind in ("offer", "answer"):
        return {"type": kind, "sdp": _check_sdp(message["sdp"])}
    if kind == "candidate":
        return _check_candidate(message)
    return {"type": kind}


def _candidate_address(line: str) -> str | None:
    text = line.strip()
    if text.startswith("a="):
        text = text[2:]
    if not text.startswith("candidate:"):
        return None
    # candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>
    parts = text.split()
    if len(parts) < 8 or parts[6] != "typ":
        return None
    return parts[4]


def candidate_within(candidate_line: str, networks: tuple[IPNetwork, ...]) -> bool:
    """Whether a candidate (``a=candidate:...`` or ``candidate:...``) has an IP address in
    one of ``networks``. Host names (mDNS ``.local``) are in none: their address is unknown."""
    if not isinstance(candidate_line, str):
        return False
    try:
        ip = ipaddress.ip_address(_candidate_address(candidate_line) or "")
    except ValueError:
        return False
    return any(ip in network for network in networks)


def candidates_within(sdp: str, networks: tuple[IPNetwork, ...]) -> str:
    """Drop every ``a=candidate:`` line whose address is outside ``networks``.

    All other lines, and the line endings, are kept exactly.
    """
    lines = sdp.split("\n")
    kept = [line for line in lines
            if not line.startswith("a=candidate:") or candidate_within(line, networks)]
    return "\n".join(kept)


# --- production: no candidates that would aim the server's peer at internal addresses --------


def parse_networks(value: object) -> tuple[IPNetwork, ...]:
    """A CIDR list (comma-separated str, or list) as networks; ValueError names a bad entry."""
    parts = value.split(",") if isinstance(value, str) else list(value or ())
    networks = []
    for part in (str(p).strip() for p in parts):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{part!r} is not a network in CIDR form (like 10.1.0.0/16)") from None
    return tuple(networks)


def address_is_public(address: str, allowed: tuple[IPNetwork, ...] = ()) -> bool:
    """Whether the server's peer may send to this candidate address.

    Only global unicast IP literals pass (or addresses in ``allowed``): loopback,
    link-local, private, shared, reserved and multicast ranges are refused, and so are
    host names (mDNS ``.local`` names would be resolved by the server, inside its network).
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    if any(ip in network for network in allowed):
        return True
    return ip.is_global and not ip.is_multicast


def public_candidates_only(sdp: str, allowed: tuple[IPNetwork, ...] = ()) -> str:
    """Drop every ``a=candidate:`` line whose address :func:`address_is_public` refuses."""
    kept = []
    for line in sdp.split("\n"):
        if line.startswith("a=candidate:"):
            address = _candidate_address(line)
            if address is None or not address_is_public(address, allowed):
                continue
        kept.append(line)
    return "\n".join(kept)


# --- the body before it is parsed ------------------------------------------------------------

MAX_JSON_DEPTH = 16  # a signalling message nests 2 deep; Python's parser recurses per level
_JSON_STRING_RE = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET_RE = re.compile(rb"[\[\]{}]")


def json_depth(raw: bytes) -> int:
    """How deeply a JSON text nests arrays and objects, counted without parsing it.

    ``json.loads`` recurses once per level and raises RecursionError (not ValueError)
    a few thousand levels down, so depth is measured first. Brackets inside strings
    do not count; malformed text may give any number, and the parser refuses it later.
    """
    depth = deepest = 0
    for bracket in _JSON_BRACKET_RE.findall(_JSON_STRING_RE.sub(b'""', raw)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest
