"""Canonical msgpack, byte for byte what common/codec.h encode_canonical writes in C++: the form a
proposal's content takes when it is hashed for a vote (docs/protocol.md section 13.5).

    from orion_sdk.canonical import encode_canonical
    encode_canonical({"b": 1, "a": [1.5, -3, "x", None, True]}).hex()
    # '82a16195cb3ff8000000000000fda178c0c3a16201'

Rules: map keys (strings) in the byte order of their UTF-8; every integer in its shortest form
(non-negative ones as unsigned); every float as float64; strings and binaries with their
shortest headers. Any value the wire carries can be encoded; anything else raises TypeError.
"""

import struct

import msgpack

MAX_DEPTH = 64  # as deep as a decoded value may be, with room to spare


def _header(kind, n):
    if kind == "map":
        if n < 16:
            return bytes([0x80 | n])
        return b"\xde" + struct.pack(">H", n) if n < 0x10000 else b"\xdf" + struct.pack(">I", n)
    if n < 16:
        return bytes([0x90 | n])
    return b"\xdc" + struct.pack(">H", n) if n < 0x10000 else b"\xdd" + struct.pack(">I", n)


def _encode(value, out, depth):
    if depth > MAX_DEPTH:
        raise ValueError("a value nested deeper than %d levels" % MAX_DEPTH)
    if value is None or isinstance(value, (bool, int, str, bytes, bytearray)):
        # msgpack-python writes these exactly as the rules say (shortest forms; str as str,
        # bytes as bin with use_bin_type).
        out.append(msgpack.packb(value, use_bin_type=True))
    elif isinstance(value, float):
        out.append(b"\xcb" + struct.pack(">d", value))
    elif isinstance(value, dict):
        items = []
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError("map keys are strings, not %s" % type(k).__name__)
            items.append((k.encode("utf-8", "surrogateescape"), v))
        items.sort(key=lambda kv: kv[0])
        out.append(_header("map", len(items)))
        for k, v in items:
            out.append(msgpack.packb(k.decode("utf-8", "surrogateescape"), use_bin_type=True))
            _encode(v, out, depth + 1)
    elif isinstance(value, (list, tuple)):
        out.append(_header("array", len(value)))
        for v in value:
            _encode(v, out, depth + 1)
    else:
        raise TypeError("cannot encode %s" % type(value).__name__)


def encode_canonical(value):
    """The canonical msgpack bytes of value."""
    out = []
    _encode(value, out, 0)
    return b"".join(out)


__all__ = ["encode_canonical"]
