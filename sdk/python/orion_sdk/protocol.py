"""ORION/1 for Python: the envelope, the bounded msgpack codec and the message bodies.

docs/protocol.md is the specification. This module is the Python twin of the C++ reference in
common/: envelope.* (frames), codec.* (bounded msgpack), fields.* and messages.* (named, typed,
bounded fields). It encodes exactly the bytes the C++ side encodes (keys in sorted order, the
shortest integer encoding, a float32 when the value is exact in 32 bits: what nlohmann::json
emits), and it refuses what the C++ decoder refuses, with the same error codes:

    frames = encode_frames(Envelope(MsgType.GET_TASK, b"r-1", {"task_id": "t1"}))
    env = decode_frames(frames)          # raises OrionError (MALFORMED, TOO_LARGE, ...)
    value = decode_value(frames[3])      # bounded: depth, string and container sizes

Values are plain Python: None, bool, int, float, str, bytes (msgpack bin), list, dict with str
keys. A msgpack str that is not valid UTF-8 decodes with "surrogateescape" and encodes back to
the same bytes (the protocol expects UTF-8 but does not check it). Decoding never raises
anything but OrionError, whatever the bytes.
"""

import enum
import math
import struct
from collections import namedtuple

import msgpack

# ---- envelope constants (common/envelope.h, common/sockets.h) ---------------------------------

PROTOCOL = b"ORION/1"
PROTOCOL_PREFIX = b"ORION/"
MAX_REQUEST_ID_BYTES = 64
ENVELOPE_FRAMES = 4
MAX_FRAMES = 8  # per received message, identity and topic included; the rest is read and dropped

# ---- decoder limits (common/codec.h, CodecLimits) ---------------------------------------------

Limits = namedtuple("Limits", "max_bytes max_depth max_string max_container")
DEFAULT_LIMITS = Limits(max_bytes=16 << 20, max_depth=32, max_string=8 << 20, max_container=1 << 20)

# ---- field bounds and message types: generated from common/protocol.toml -------------------

from .schema import (  # noqa: E402,F401  (re-exported: the SDK's public names)
    INT64_MAX, MAX_ATTEMPT, MAX_BATCH_TASKS, MAX_CAPACITY, MAX_HISTORY, MAX_INPUT_BYTES, MAX_LIST_ITEMS,
    MAX_NAME_BYTES, MAX_RETENTION_MS, MAX_RETRIES, MAX_TEXT_BYTES, MAX_TIMEOUT_MS, MAX_WAIT_MS, MsgType,
    MAX_DELAY_MS, MAX_LIMIT_KEYS, MAX_LIMIT_KEY_BYTES,
)

UINT64_MAX = (1 << 64) - 1


_KNOWN_TYPES = frozenset(int(t) for t in MsgType if t != MsgType.UNKNOWN)


class ErrorCode(enum.IntEnum):
    """Error codes (protocol.md section 8.3). Frozen."""

    UNKNOWN = 0
    INVALID_ARGUMENT = 1
    NOT_FOUND = 2
    FAILED_PRECONDITION = 3
    PERMISSION_DENIED = 4
    UNAVAILABLE = 5
    NOT_LEADER = 6
    MALFORMED = 7
    UNSUPPORTED_VERSION = 8
    TOO_LARGE = 9
    UNKNOWN_TYPE = 10
    DEADLINE_EXCEEDED = 11
    ALREADY_EXISTS = 12
    INTERNAL = 13


# Codes after which the same request may succeed later (status.h).
RETRYABLE_CODES = frozenset({ErrorCode.UNAVAILABLE, ErrorCode.INTERNAL, ErrorCode.DEADLINE_EXCEEDED,
                             ErrorCode.NOT_LEADER})


class Priority(enum.IntEnum):
    """Task priority (protocol.md section 8.1); higher is more urgent. Frozen."""

    UNKNOWN = 0
    LOW = 1
    NORMAL = 2
    HIGH = 3
    CRITICAL = 4
    URGENT = 5


class TaskState(enum.IntEnum):
    """Task state (protocol.md section 8.2). Frozen."""

    UNKNOWN = 0
    PENDING = 1
    ASSIGNED = 2
    RUNNING = 3
    COMPLETED = 4
    FAILED = 5
    CANCELLED = 6
    TIMEOUT = 7
    # Retries spent, held for RETRY_PARKED or DISCARD_PARKED; not terminal (dependants wait).
    PARKED = 8

    @property
    def terminal(self):
        return self in (TaskState.COMPLETED, TaskState.FAILED, TaskState.CANCELLED, TaskState.TIMEOUT)


class BackoffKind(enum.IntEnum):
    """Retry backoff kind (protocol.md section 8.4). Frozen."""

    UNKNOWN = 0
    FIXED = 1
    EXPONENTIAL = 2


class OrionError(Exception):
    """An ORION/1 error: a coded ERROR reply, or a frame or field that did not decode.

    `code` is an ErrorCode, `message` the detail. `request_id` (bytes) is set by decode_frames
    when frame 2 was readable, so that an error reply can still be correlated.
    """

    def __init__(self, code, message="", request_id=b""):
        try:
            code = ErrorCode(int(code))
        except ValueError:
            code = ErrorCode.UNKNOWN
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.request_id = request_id

    def __str__(self):
        return "%s: %s" % (self.code.name, self.message) if self.message else self.code.name


def _invalid(key, why):
    return OrionError(ErrorCode.INVALID_ARGUMENT, "field '%s': %s" % (key, why))


# ---- encoding ---------------------------------------------------------------------------------

_F32_MAX = struct.unpack(">f", b"\x7f\x7f\xff\xff")[0]
_pack_f32 = struct.Struct(">Bf").pack
_pack_f64 = struct.Struct(">Bd").pack


def _utf8(s):
    return s.encode("utf-8", "surrogateescape")


def _encode_into(value, out, depth, max_depth):
    # Order matters: bool is a subclass of int.
    if value is None:
        out.append(0xC0)
    elif value is True:
        out.append(0xC3)
    elif value is False:
        out.append(0xC2)
    elif isinstance(value, int):
        if value >= 0:
            if value < 0x80:
                out.append(value)
            elif value <= 0xFF:
                out += struct.pack(">BB", 0xCC, value)
            elif value <= 0xFFFF:
                out += struct.pack(">BH", 0xCD, value)
            elif value <= 0xFFFFFFFF:
                out += struct.pack(">BI", 0xCE, value)
            elif value <= UINT64_MAX:
                out += struct.pack(">BQ", 0xCF, value)
            else:
                raise OrionError(ErrorCode.INVALID_ARGUMENT, "integer %d does not fit in 64 bits" % value)
        else:
            if value >= -32:
                out += struct.pack(">b", value)
            elif value >= -0x80:
                out += struct.pack(">Bb", 0xD0, value)
            elif value >= -0x8000:
                out += struct.pack(">Bh", 0xD1, value)
            elif value >= -0x80000000:
                out += struct.pack(">Bi", 0xD2, value)
            elif value >= -(1 << 63):
                out += struct.pack(">Bq", 0xD3, value)
            else:
                raise OrionError(ErrorCode.INVALID_ARGUMENT, "integer %d does not fit in 64 bits" % value)
    elif isinstance(value, float):
        # As nlohmann::json: float32 when the value is in float range and survives the round
        # trip through float32 exactly; float64 otherwise (NaN and the infinities included).
        if -_F32_MAX <= value <= _F32_MAX and struct.unpack(">f", struct.pack(">f", value))[0] == value:
            out += _pack_f32(0xCA, value)
        else:
            out += _pack_f64(0xCB, value)
    elif isinstance(value, str):
        _encode_str(_utf8(value), out)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        n = len(data)
        if n <= 0xFF:
            out += struct.pack(">BB", 0xC4, n)
        elif n <= 0xFFFF:
            out += struct.pack(">BH", 0xC5, n)
        elif n <= 0xFFFFFFFF:
            out += struct.pack(">BI", 0xC6, n)
        else:
            raise OrionError(ErrorCode.TOO_LARGE, "binary of %d bytes" % n)
        out += data
    elif isinstance(value, (list, tuple)):
        if depth >= max_depth:
            raise OrionError(ErrorCode.TOO_LARGE, "value nested more than %d levels deep" % max_depth)
        n = len(value)
        if n <= 15:
            out.append(0x90 | n)
        elif n <= 0xFFFF:
            out += struct.pack(">BH", 0xDC, n)
        elif n <= 0xFFFFFFFF:
            out += struct.pack(">BI", 0xDD, n)
        else:
            raise OrionError(ErrorCode.TOO_LARGE, "array of %d items" % n)
        for item in value:
            _encode_into(item, out, depth + 1, max_depth)
    elif isinstance(value, dict):
        if depth >= max_depth:
            raise OrionError(ErrorCode.TOO_LARGE, "value nested more than %d levels deep" % max_depth)
        items = []
        for k, v in value.items():
            if not isinstance(k, str):
                raise OrionError(ErrorCode.INVALID_ARGUMENT, "map keys must be strings, not %s" % type(k).__name__)
            items.append((_utf8(k), v))
        items.sort(key=lambda kv: kv[0])  # byte order, as std::map<std::string> sorts
        n = len(items)
        if n <= 15:
            out.append(0x80 | n)
        elif n <= 0xFFFF:
            out += struct.pack(">BH", 0xDE, n)
        elif n <= 0xFFFFFFFF:
            out += struct.pack(">BI", 0xDF, n)
        else:
            raise OrionError(ErrorCode.TOO_LARGE, "map of %d entries" % n)
        for k, v in items:
            _encode_str(k, out)
            _encode_into(v, out, depth + 1, max_depth)
    else:
        raise OrionError(ErrorCode.INVALID_ARGUMENT, "cannot encode a value of type %s" % type(value).__name__)


def _encode_str(data, out):
    n = len(data)
    if n <= 31:
        out.append(0xA0 | n)
    elif n <= 0xFF:
        out += struct.pack(">BB", 0xD9, n)
    elif n <= 0xFFFF:
        out += struct.pack(">BH", 0xDA, n)
    elif n <= 0xFFFFFFFF:
        out += struct.pack(">BI", 0xDB, n)
    else:
        raise OrionError(ErrorCode.TOO_LARGE, "string of %d bytes" % n)
    out += data


def encode_value(value, max_depth=DEFAULT_LIMITS.max_depth):
    """msgpack bytes of `value`, byte for byte what the C++ encoder (nlohmann::json) emits.

    Raises OrionError for what no ORION/1 peer would accept: a value nested deeper than
    max_depth (TOO_LARGE), a non-str map key, an integer outside 64 bits or a type msgpack
    has no form for (INVALID_ARGUMENT). Cycles hit the depth bound.
    """
    out = bytearray()
    _encode_into(value, out, 0, max_depth)
    return bytes(out)


# ---- decoding ---------------------------------------------------------------------------------

# Type byte -> (kind, width of the length/count field or of the payload). Kinds:
#   "v" fixed-size scalar with `width` payload bytes; "s" str, "b" bin: a length of `width`
#   bytes; "a" array, "m" map: a count of `width` bytes; "x" ext (refused).
def _build_table():
    t = [None] * 256
    for b in range(0x00, 0x80):
        t[b] = ("v", 0)
    for b in range(0x80, 0x90):
        t[b] = ("m", -1)
    for b in range(0x90, 0xA0):
        t[b] = ("a", -1)
    for b in range(0xA0, 0xC0):
        t[b] = ("s", -1)
    for b in range(0xE0, 0x100):
        t[b] = ("v", 0)
    t[0xC0] = t[0xC2] = t[0xC3] = ("v", 0)
    t[0xC4], t[0xC5], t[0xC6] = ("b", 1), ("b", 2), ("b", 4)
    t[0xC7] = t[0xC8] = t[0xC9] = ("x", 0)
    t[0xCA], t[0xCB] = ("v", 4), ("v", 8)
    t[0xCC], t[0xCD], t[0xCE], t[0xCF] = ("v", 1), ("v", 2), ("v", 4), ("v", 8)
    t[0xD0], t[0xD1], t[0xD2], t[0xD3] = ("v", 1), ("v", 2), ("v", 4), ("v", 8)
    for b in range(0xD4, 0xD9):
        t[b] = ("x", 0)
    t[0xD9], t[0xDA], t[0xDB] = ("s", 1), ("s", 2), ("s", 4)
    t[0xDC], t[0xDD] = ("a", 2), ("a", 4)
    t[0xDE], t[0xDF] = ("m", 2), ("m", 4)
    # 0xC1 is never used: stays None.
    return t


_TABLE = _build_table()
_TRUNCATED = "truncated msgpack value"


def _scan(data, limits):
    """Walks one msgpack value without building it, iteratively (no recursion, so any depth of
    input is safe), and checks it the way the C++ decoder does: the same bounds in the same
    order, so the same error code. Returns None when the value is acceptable."""
    n = len(data)
    pos = 0
    stack = []  # open containers: [items left, is_map]; a map's items are its keys and values
    bad_key = False
    while True:
        # Is the next item a map key? Maps count 2 per entry; keys come when the count is even.
        is_key = bool(stack) and stack[-1][1] and stack[-1][0] % 2 == 0
        if pos >= n:
            raise OrionError(ErrorCode.MALFORMED, _TRUNCATED)
        b = data[pos]
        pos += 1
        entry = _TABLE[b]
        if entry is None:
            raise OrionError(ErrorCode.MALFORMED, "invalid msgpack: byte 0xc1 is never used")
        kind, width = entry
        if is_key and kind != "s":
            bad_key = True  # the C++ decoder notices after parsing: other errors come first
        count = 0
        if kind == "v":
            if pos + width > n:
                raise OrionError(ErrorCode.MALFORMED, _TRUNCATED)
            pos += width
        elif kind == "s" or kind == "b":
            if width < 0:
                length = b & 0x1F
            else:
                if pos + width > n:
                    raise OrionError(ErrorCode.MALFORMED, _TRUNCATED)
                length = int.from_bytes(data[pos:pos + width], "big")
                pos += width
            if pos + length > n:
                raise OrionError(ErrorCode.MALFORMED, _TRUNCATED)
            if length > limits.max_string:
                raise OrionError(ErrorCode.TOO_LARGE, "value over a bound: %s of %d bytes exceeds %d" % (
                    "string" if kind == "s" else "binary", length, limits.max_string))
            pos += length
        elif kind == "x":
            raise OrionError(ErrorCode.MALFORMED, "msgpack ext types are not accepted")
        else:  # "a" or "m"
            if width < 0:
                count = b & 0x0F
            else:
                if pos + width > n:
                    raise OrionError(ErrorCode.MALFORMED, _TRUNCATED)
                count = int.from_bytes(data[pos:pos + width], "big")
                pos += width
            if count > limits.max_container:
                raise OrionError(ErrorCode.TOO_LARGE, "value over a bound: %s of %d entries exceeds %d" % (
                    "array" if kind == "a" else "map", count, limits.max_container))
            if len(stack) + 1 > limits.max_depth:
                raise OrionError(ErrorCode.TOO_LARGE, "value over a bound: nested more than %d levels deep"
                                 % limits.max_depth)
            if count > 0:
                stack.append([count * 2 if kind == "m" else count, kind == "m"])
                continue
        # One item is complete: count it in its container, closing every container it fills.
        while stack:
            stack[-1][0] -= 1
            if stack[-1][0] > 0:
                break
            stack.pop()
        if not stack:
            break
    if pos != n:
        raise OrionError(ErrorCode.MALFORMED, "trailing bytes after value")
    if bad_key:
        raise OrionError(ErrorCode.MALFORMED, "map key is not a string")
    return None


def decode_value(data, limits=DEFAULT_LIMITS):
    """The value in `data` (bytes), bounded by `limits`. Raises OrionError: TOO_LARGE for a
    value over a bound, MALFORMED for anything that is not exactly one valid msgpack value
    with string map keys and no ext types. Never anything else, whatever the bytes."""
    if not isinstance(data, bytes):
        data = bytes(data)
    if len(data) > limits.max_bytes:
        raise OrionError(ErrorCode.TOO_LARGE, "frame of %d bytes exceeds %d" % (len(data), limits.max_bytes))
    if not data:
        raise OrionError(ErrorCode.MALFORMED, "empty value")
    _scan(data, limits)
    try:
        return msgpack.unpackb(data, raw=False, unicode_errors="surrogateescape", strict_map_key=False,
                               use_list=True, max_str_len=limits.max_string, max_bin_len=limits.max_string,
                               max_array_len=limits.max_container, max_map_len=limits.max_container,
                               max_ext_len=0)
    except Exception as e:  # the scan accepted it, so this would be a bug; still never a crash
        raise OrionError(ErrorCode.MALFORMED, "invalid msgpack: %s" % e) from None


# ---- the envelope -----------------------------------------------------------------------------


class Envelope:
    """One ORION/1 message: type, request id (bytes, at most 64) and body (a dict).

    `body` may also be bytes: a body encoded already (encode_value of a dict), sent as is.
    """

    __slots__ = ("type", "request_id", "body")

    def __init__(self, type, request_id=b"", body=None):
        self.type = type
        self.request_id = _as_bytes(request_id)
        self.body = {} if body is None else body

    def __repr__(self):
        try:
            name = MsgType(self.type).name
        except ValueError:
            name = str(self.type)
        return "Envelope(%s, %r, %r)" % (name, self.request_id, self.body)


def _as_bytes(s):
    if isinstance(s, bytes):
        return s
    if isinstance(s, str):
        return s.encode("utf-8")
    return bytes(s)


def encode_frames(envelope):
    """The four frames of `envelope`: [b"ORION/1", type byte, request id, msgpack body]."""
    body = envelope.body
    packed = body if isinstance(body, bytes) else encode_value(body)
    return [PROTOCOL, bytes([int(envelope.type)]), envelope.request_id, packed]


def request_id_of(frames):
    """Frame 2 when it is there and at most 64 bytes (so an error reply can carry it), else b""."""
    if len(frames) >= 3 and len(frames[2]) <= MAX_REQUEST_ID_BYTES:
        return bytes(frames[2])
    return b""


def decode_frames(frames, limits=DEFAULT_LIMITS):
    """The Envelope in exactly four frames (bytes-like). Raises OrionError, with its
    request_id set whenever frame 2 was readable, checking in the C++ order: frame count
    (MALFORMED), protocol (MALFORMED / UNSUPPORTED_VERSION), type (MALFORMED / UNKNOWN_TYPE),
    request id (TOO_LARGE), body (MALFORMED / TOO_LARGE, and MALFORMED when not a map)."""
    rid = request_id_of(frames)
    try:
        if len(frames) != ENVELOPE_FRAMES:
            raise OrionError(ErrorCode.MALFORMED, "expected %d frames, got %d" % (ENVELOPE_FRAMES, len(frames)))
        proto = bytes(frames[0])
        if not proto.startswith(PROTOCOL_PREFIX):
            raise OrionError(ErrorCode.MALFORMED, "frame 0 is not an Orion protocol frame")
        if proto != PROTOCOL:
            shown = "".join(chr(c) if 0x20 <= c < 0x7F else "?" for c in proto[:16])
            raise OrionError(ErrorCode.UNSUPPORTED_VERSION, "protocol '%s' is not supported; this peer speaks %s"
                             % (shown, PROTOCOL.decode()))
        if len(frames[1]) != 1:
            raise OrionError(ErrorCode.MALFORMED, "frame 1 (type) must be 1 byte")
        type_byte = bytes(frames[1])[0]
        if type_byte not in _KNOWN_TYPES:
            raise OrionError(ErrorCode.UNKNOWN_TYPE, "unknown message type %d" % type_byte)
        if len(frames[2]) > MAX_REQUEST_ID_BYTES:
            raise OrionError(ErrorCode.TOO_LARGE, "request id longer than %d bytes" % MAX_REQUEST_ID_BYTES)
        body = decode_value(frames[3], limits)
        if not isinstance(body, dict):
            raise OrionError(ErrorCode.MALFORMED, "body is not a msgpack map")
        return Envelope(MsgType(type_byte), bytes(frames[2]), body)
    except OrionError as e:
        e.request_id = rid
        raise


def error_body(code, message):
    """Body of an ERROR reply."""
    return {"code": int(code), "message": message}


def error_from_body(body):
    """An ERROR body read back as an OrionError (MALFORMED when it has no integer code; an
    unknown code reads as UNKNOWN)."""
    if not isinstance(body, dict) or not _is_int(body.get("code")):
        return OrionError(ErrorCode.MALFORMED, "error reply without a code")
    raw = body["code"]
    code = raw if 0 <= raw <= int(ErrorCode.INTERNAL) else 0
    message = body.get("message")
    return OrionError(code, message if isinstance(message, str) else "")


# ---- typed fields (common/fields.cpp) ---------------------------------------------------------
#
# Each reader returns the field's value, or `default` when it is absent or nil and optional;
# it raises OrionError INVALID_ARGUMENT naming the field otherwise. Unknown fields are ignored.


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def utf8_len(s):
    return len(_utf8(s))


def _present(body, key, required):
    v = body.get(key)
    if v is None and required:
        raise _invalid(key, "is required")
    return v


def read_str(body, key, required=False, default="", max_bytes=MAX_NAME_BYTES):
    v = _present(body, key, required)
    if v is None:
        return default
    if not isinstance(v, str):
        raise _invalid(key, "must be a string")
    if utf8_len(v) > max_bytes:
        raise _invalid(key, "is longer than %d bytes" % max_bytes)
    return v


def read_int(body, key, lo, hi, required=False, default=0):
    v = _present(body, key, required)
    if v is None:
        return default
    if not _is_int(v):
        raise _invalid(key, "must be an integer")
    if v > INT64_MAX:
        raise _invalid(key, "is out of range")
    if v < lo or v > hi:
        raise _invalid(key, "must be in %d..%d" % (lo, hi))
    return v


def read_num(body, key, lo, hi, required=False, default=0.0):
    v = _present(body, key, required)
    if v is None:
        return default
    if not _is_num(v):
        raise _invalid(key, "must be a number")
    x = float(v)
    if not math.isfinite(x) or x < lo or x > hi:
        raise _invalid(key, "must be a number in the allowed range")
    return x


def read_bool(body, key, required=False, default=False):
    v = _present(body, key, required)
    if v is None:
        return default
    if not isinstance(v, bool):
        raise _invalid(key, "must be a boolean")
    return v


_LIMIT_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:")


def valid_limit_key(key):
    """True for a limit key (protocol.md 18): 1..128 letters, digits, '_', '-', '.', ':'."""
    return isinstance(key, str) and 0 < len(key) <= MAX_LIMIT_KEY_BYTES and all(c in _LIMIT_KEY_CHARS for c in key)


def valid_limit_pattern(pattern):
    """True for a rule's pattern: a limit key, optionally followed by '*'."""
    return isinstance(pattern, str) and valid_limit_key(pattern[:-1] if pattern.endswith("*") else pattern)


def read_limit_keys(body, key):
    """A TaskSpec's limit_keys: at most 8, distinct, each a valid limit key."""
    keys = read_str_list(body, key, max_items=MAX_LIMIT_KEYS)
    for i, k in enumerate(keys):
        if not valid_limit_key(k):
            raise _invalid("%s[%d]" % (key, i), "%r is not 1..%d letters, digits, '_', '-', '.', ':'"
                           % (k[:160], MAX_LIMIT_KEY_BYTES))
        if k in keys[:i]:
            raise _invalid(key, "%r given twice" % k)
    return keys


def read_str_list(body, key, required=False, max_items=MAX_LIST_ITEMS):
    v = _present(body, key, required)
    if v is None:
        return []
    if not isinstance(v, list):
        raise _invalid(key, "must be an array of strings")
    if len(v) > max_items:
        raise _invalid(key, "has more than %d items" % max_items)
    for item in v:
        if not isinstance(item, str):
            raise _invalid(key, "must be an array of strings")
        if utf8_len(item) > MAX_NAME_BYTES:
            raise _invalid(key, "has an item that is too long")
    return list(v)


def read_str_map(body, key, required=False, max_items=MAX_LIST_ITEMS):
    v = _present(body, key, required)
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise _invalid(key, "must be a map of strings")
    if len(v) > max_items:
        raise _invalid(key, "has more than %d entries" % max_items)
    for item in v.values():
        if not isinstance(item, str):
            raise _invalid(key, "must be a map of strings")
    return dict(v)


def read_any(body, key, required=False):
    return _present(body, key, required)


def read_map(body, key, required=False, default=None):
    v = _present(body, key, required)
    if v is None:
        return {} if default is None else default
    if not isinstance(v, dict):
        raise _invalid(key, "must be a map")
    return v


def _need_map(body):
    if not isinstance(body, dict):
        raise OrionError(ErrorCode.MALFORMED, "body is not a map")


# ---- message bodies (common/messages.cpp) -----------------------------------------------------
#
# Builders return the body dict exactly as the C++ to_body() does (the same fields, so the same
# bytes); parsers check a received body the way C++ from_body() does and return a plain dict
# with the defaults filled in.


def agent_spec(agent_id, capabilities=(), capacity=1, weight=1.0, labels=None, sdk_version="", public_key=""):
    """AgentSpec (REGISTER, ATTACH). `public_key` (the Ed25519 vote key, 64 hex digits) is on the
    wire only when set, as in C++."""
    j = {"agent_id": agent_id, "capabilities": list(capabilities), "capacity": int(capacity),
         "weight": float(weight), "labels": dict(labels or {}), "sdk_version": sdk_version}
    if public_key:
        j["public_key"] = public_key
    return j


def parse_agent_spec(j):
    _need_map(j)
    out = _messages.read_record("AgentSpec", j)
    pk = out["public_key"]
    if pk and (len(pk) != 64 or any(c not in "0123456789abcdefABCDEF" for c in pk)):
        raise _invalid("public_key", "must be 64 hex digits or empty")
    return out


def parse_agent_view(j):
    _need_map(j)
    spec = parse_agent_spec(j)
    return dict(_messages.read_record("AgentView", j), **spec)


def register_body(spec, instance=""):
    """REGISTER; `instance`: the process's random token, the same in every REGISTER and ATTACH
    it sends (protocol.md 11.3); "" leaves the field out."""
    body = {"agent": spec}
    if instance:
        body["instance"] = instance
    return body


def attach_body(spec, running=None, instance=""):
    """ATTACH; `running` is an iterable of (task_id, attempt): the attempts the agent holds
    (running, queued, or with a result not yet acknowledged). None leaves the field out: the
    scheduler then fences every earlier lease of the agent. `instance` as for register_body."""
    body = register_body(spec, instance)
    if running is not None:
        body["running"] = [{"task_id": t, "attempt": a} for t, a in running]
    return body


def parse_register_ok(b):
    return _messages.read_body(MsgType.REGISTER_OK, b)


def parse_attach_ok(b):
    return _messages.read_body(MsgType.ATTACH_OK, b)


def heartbeat_body(agent_id, load, resources=None):
    """resources: {"cpu": cores, "memory_bytes": int, "handlers": int} (AgentResources), or None."""
    body = {"agent_id": agent_id, "load": int(load)}
    if resources is not None:
        body["resources"] = {"cpu": float(resources["cpu"]), "memory_bytes": int(resources["memory_bytes"]),
                             "handlers": int(resources["handlers"])}
    return body


def deregister_body(agent_id):
    return {"agent_id": agent_id}


detach_body = deregister_body


def parse_discovery(b):
    return _messages.read_body(MsgType.DISCOVERY, b)


def parse_agent_list(b):
    if not isinstance(b, dict) or not isinstance(b.get("agents"), list):
        raise _invalid("agents", "must be an array")
    return [parse_agent_view(j) for j in b["agents"]]


def parse_agent_perf(j):
    """One AgentPerf of AGENT_STATS_OK, read as C++ AgentPerf::from_json."""
    return _messages.read_record("AgentPerf", j)


def parse_agent_stats_ok(b):
    """AGENT_STATS_OK: the list of AgentPerf dicts, by agent id."""
    if not isinstance(b, dict):
        raise _invalid("agents", "must be an array")
    return _messages.read_body(MsgType.AGENT_STATS_OK, b)["agents"]


def agent_heartbeat_body(agent_id, running, draining=False):
    """AGENT_HEARTBEAT; `running` is an iterable of (task_id, attempt). `draining` goes on the
    wire only when true, as in C++."""
    body = {"agent_id": agent_id, "running": [{"task_id": t, "attempt": a} for t, a in running]}
    if draining:
        body["draining"] = True
    return body


def parse_assign(b):
    return _messages.read_body(MsgType.ASSIGN, b)


def task_progress_body(task_id, attempt, progress, message=""):
    return {"task_id": task_id, "attempt": int(attempt), "progress": float(progress), "message": message}


def task_result_body(task_id, attempt, ok, output=None, error=""):
    return {"task_id": task_id, "attempt": int(attempt), "ok": bool(ok), "output": output, "error": error}


def parse_task_result(b):
    _need_map(b)
    out = {"task_id": read_str(b, "task_id", required=True),
           "attempt": read_int(b, "attempt", 1, MAX_ATTEMPT, required=True),
           "ok": read_bool(b, "ok", required=True),
           "output": read_any(b, "output"),
           "error": read_str(b, "error", max_bytes=MAX_INPUT_BYTES)}
    if len(encode_value(out["output"])) > MAX_INPUT_BYTES:
        raise OrionError(ErrorCode.TOO_LARGE, "field 'output': larger than %d bytes" % MAX_INPUT_BYTES)
    return out


def parse_result_ok(b):
    return _messages.read_body(MsgType.RESULT_OK, b)


def parse_cancel_task(b):
    return _messages.read_body(MsgType.CANCEL_TASK, b)


# ---- tasks ------------------------------------------------------------------------------------


def priority_of(p):
    """A Priority from a Priority, an int 1..5 or a name in any case ("high")."""
    if isinstance(p, str):
        name = p.strip().upper()
        if name.isdigit():
            p = int(name)
        elif name in Priority.__members__ and name != "UNKNOWN":
            return Priority[name]
        else:
            raise OrionError(ErrorCode.INVALID_ARGUMENT, "field 'priority': unknown priority '%s'" % p)
    if not _is_int(p) or not 1 <= p <= 5:
        raise OrionError(ErrorCode.INVALID_ARGUMENT, "field 'priority': must be in 1..5")
    return Priority(p)


def retry_policy(kind=BackoffKind.FIXED, initial_ms=1000, max_ms=60_000, multiplier=2.0, jitter=0.0):
    """RetryPolicy (the `retry` of a TaskSpec). kind: BackoffKind, 1/2 or "fixed"/"exponential"."""
    if isinstance(kind, str):
        kind = BackoffKind[kind.upper()]
    return {"kind": int(kind), "initial_ms": int(initial_ms), "max_ms": int(max_ms),
            "multiplier": float(multiplier), "jitter": float(jitter)}


_DEFAULT_RETRY = retry_policy()


def task_spec(task_type, input=None, name="", capabilities=(), priority=Priority.NORMAL, timeout_ms=0,
              metadata=None, retries=0, retry=None, depends_on=(), preferred_agents=(), excluded_agents=(),
              idempotency_key="", unschedulable_timeout_ms=-1, consensus=None, result_ttl_ms=-1,
              delay_ms=0, not_before_ms=0, on_exhausted="", limit_keys=(), namespace="default"):
    """A TaskSpec body (the `task` of SUBMIT), with the fields C++ TaskSpec::to_json emits:
    always name, type, capabilities, priority, timeout_ms, input, metadata; the later optional
    fields only when they differ from their defaults. `consensus` gates the task (protocol.md
    13.9): a type name ("unanimous") or a dict {type, capability, voters, timeout_ms, data}."""
    j = {"name": name, "type": task_type, "capabilities": list(capabilities), "priority": int(priority_of(priority)),
         "timeout_ms": int(timeout_ms), "input": input, "metadata": {} if metadata is None else metadata}
    if preferred_agents:
        j["preferred_agents"] = list(preferred_agents)
    if excluded_agents:
        j["excluded_agents"] = list(excluded_agents)
    if retries:
        j["retries"] = int(retries)
    policy = dict(_DEFAULT_RETRY)
    if retry is not None:
        policy.update(retry)
    if retries or policy["kind"] != BackoffKind.FIXED or policy["initial_ms"] != 1000:
        j["retry"] = policy
    if depends_on:
        j["depends_on"] = list(depends_on)
    if idempotency_key:
        j["idempotency_key"] = idempotency_key
    if unschedulable_timeout_ms >= 0:
        j["unschedulable_timeout_ms"] = int(unschedulable_timeout_ms)
    if consensus:
        j["consensus"] = parse_consensus_gate({"type": consensus} if isinstance(consensus, str) else consensus)
    if result_ttl_ms >= 0:
        j["result_ttl_ms"] = int(result_ttl_ms)
    # Delayed tasks (protocol.md 8.6): not dispatched before not_before_ms (epoch ms), or before
    # delay_ms after the scheduler accepted it; on_exhausted "park" holds a task whose retries
    # are spent PARKED instead of FAILED.
    if not_before_ms:
        j["not_before_ms"] = int(not_before_ms)
    if delay_ms:
        j["delay_ms"] = int(delay_ms)
    # on_exhausted "" (absent) takes the namespace's default (SET_NAMESPACE, protocol.md 18).
    if on_exhausted:
        j["on_exhausted"] = on_exhausted
    # Limits (protocol.md 18): the task starts only while every key's rule allows one more.
    if limit_keys:
        j["limit_keys"] = list(limit_keys)
    if namespace != "default":
        j["namespace"] = namespace
    return j


_NAMESPACE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


def check_namespace(ns, where="namespace"):
    """Raises OrionError INVALID_ARGUMENT unless ns is 1..64 bytes of letters, digits, _ - . (protocol.md 18)."""
    if not isinstance(ns, str) or not 1 <= len(ns.encode()) <= 64 or not set(ns) <= _NAMESPACE_CHARS:
        raise _invalid(where, "%r is not 1..64 bytes of letters, digits, '_', '-' or '.'" % (ns,))
    return ns


_GATE_TYPES = ("majority", "unanimous", "weighted", "pbft")
MAX_GATE_TIMEOUT_MS = 7 * 24 * 3600 * 1000


def parse_consensus_gate(g, where="consensus"):
    """A ConsensusGate (protocol.md 13.9) with its defaults filled in; INVALID_ARGUMENT names
    the field."""
    try:
        _need_map(g)
        out = {"type": read_str(g, "type", required=True).lower(),
               "timeout_ms": read_int(g, "timeout_ms", 1, MAX_GATE_TIMEOUT_MS, default=60_000),
               "data": read_map(g, "data")}
        if out["type"] not in _GATE_TYPES:
            raise _invalid("type", "must be one of majority, unanimous, weighted, pbft")
        capability = read_str(g, "capability")
        voters = read_str_list(g, "voters")
        if len(set(voters)) != len(voters):
            raise _invalid("voters", "a voter is named twice")
    except OrionError as e:
        raise OrionError(ErrorCode.INVALID_ARGUMENT, "field '%s': %s" % (where, e.message)) from None
    if capability:
        out["capability"] = capability
    if voters:
        out["voters"] = voters
    return out


def parse_task_spec(j):
    _need_map(j)
    out = {
        "name": read_str(j, "name"),
        "type": read_str(j, "type", required=True),
        "capabilities": read_str_list(j, "capabilities"),
        "preferred_agents": read_str_list(j, "preferred_agents"),
        "excluded_agents": read_str_list(j, "excluded_agents"),
        "priority": Priority(read_int(j, "priority", 1, 5, default=2)),
        "timeout_ms": read_int(j, "timeout_ms", 0, MAX_TIMEOUT_MS),
        "retries": read_int(j, "retries", 0, MAX_RETRIES),
        "depends_on": read_str_list(j, "depends_on", max_items=MAX_BATCH_TASKS),
        "idempotency_key": read_str(j, "idempotency_key"),
        "unschedulable_timeout_ms": read_int(j, "unschedulable_timeout_ms", -1, MAX_TIMEOUT_MS, default=-1),
        "input": read_any(j, "input"),
        "metadata": read_map(j, "metadata"),
        "result_ttl_ms": read_int(j, "result_ttl_ms", -1, MAX_RETENTION_MS, default=-1),
    }
    out["not_before_ms"] = read_int(j, "not_before_ms", 0, INT64_MAX)
    out["delay_ms"] = read_int(j, "delay_ms", 0, MAX_DELAY_MS)
    if out["not_before_ms"] and out["delay_ms"]:
        raise _invalid("delay_ms", "give it or 'not_before_ms', not both")
    out["on_exhausted"] = read_str(j, "on_exhausted")
    out["limit_keys"] = read_limit_keys(j, "limit_keys")
    if out["on_exhausted"] not in ("", "fail", "park"):
        raise _invalid("on_exhausted", 'must be "fail" or "park"')
    out["namespace"] = check_namespace(read_str(j, "namespace") if "namespace" in j else "default")
    if not out["type"]:
        raise _invalid("type", "must not be empty")
    retry = j.get("retry")
    out["retry"] = dict(_DEFAULT_RETRY)
    if retry is not None:
        try:
            _need_map(retry)
            policy = {"kind": read_int(retry, "kind", 1, 2, default=1),
                      "initial_ms": read_int(retry, "initial_ms", 0, MAX_TIMEOUT_MS, default=1000),
                      "max_ms": read_int(retry, "max_ms", 0, MAX_TIMEOUT_MS, default=60_000),
                      "multiplier": read_num(retry, "multiplier", 1.0, 10.0, default=2.0),
                      "jitter": read_num(retry, "jitter", 0.0, 1.0, default=0.0)}
        except OrionError as e:
            raise OrionError(ErrorCode.INVALID_ARGUMENT, "field 'retry': %s" % e.message) from None
        policy["max_ms"] = max(policy["max_ms"], policy["initial_ms"])
        out["retry"] = policy
    if len(encode_value(out["input"])) > MAX_INPUT_BYTES:
        raise OrionError(ErrorCode.TOO_LARGE, "field 'input': larger than %d bytes" % MAX_INPUT_BYTES)
    gate = j.get("consensus", j.get("require_consensus"))
    if gate is not None:
        out["consensus"] = parse_consensus_gate({"type": gate} if isinstance(gate, str) else gate)
    return out


def parse_task_view(j):
    """A TaskView (the `task` of TASK_INFO): every TaskSpec field plus the task's state."""
    out = parse_task_spec(j)
    out.update({
        "task_id": read_str(j, "task_id", required=True),
        "state": TaskState(read_int(j, "state", 0, 8, required=True)),
        "effective_priority": Priority(read_int(j, "effective_priority", 0, 5)),
        "failures": read_int(j, "failures", 0, MAX_RETRIES + 1),
        "retry_at_ms": read_int(j, "retry_at_ms", 0, INT64_MAX),
        "waiting_on": read_str_list(j, "waiting_on", max_items=MAX_BATCH_TASKS),
        "assigned_agent": read_str(j, "assigned_agent"),
        "attempt": read_int(j, "attempt", 0, MAX_ATTEMPT),
        "progress": read_num(j, "progress", 0, 100),
        "output": read_any(j, "output"),
        "error": read_str(j, "error", max_bytes=MAX_INPUT_BYTES),
        "reason": read_str(j, "reason", max_bytes=MAX_TEXT_BYTES),
        "created_ms": read_int(j, "created_ms", 0, INT64_MAX),
        "assigned_ms": read_int(j, "assigned_ms", 0, INT64_MAX),
        "started_ms": read_int(j, "started_ms", 0, INT64_MAX),
        "finished_ms": read_int(j, "finished_ms", 0, INT64_MAX),
    })
    if j.get("gate") is not None:  # a gated task's consensus gate: {id, proposal_id, outcome}
        g = j["gate"]
        try:
            _need_map(g)
            out["gate"] = {"id": read_str(g, "id", required=True), "proposal_id": read_str(g, "proposal_id"),
                           "outcome": read_str(g, "outcome")}
        except OrionError as e:
            raise OrionError(ErrorCode.INVALID_ARGUMENT, "field 'gate': %s" % e.message) from None
    history = []
    if "history" in j:
        h = j["history"]
        if not isinstance(h, list) or len(h) > MAX_HISTORY:
            raise _invalid("history", "must be an array of at most 64 entries")
        for item in h:
            try:
                _need_map(item)
                history.append({"state": TaskState(read_int(item, "state", 0, 8, required=True)),
                                "at_ms": read_int(item, "at_ms", 0, INT64_MAX),
                                "attempt": read_int(item, "attempt", 0, MAX_ATTEMPT),
                                "agent": read_str(item, "agent"),
                                "note": read_str(item, "note", max_bytes=MAX_TEXT_BYTES)})
            except OrionError as e:
                raise OrionError(ErrorCode.INVALID_ARGUMENT, "field 'history': %s" % e.message) from None
    out["history"] = history
    return out


def submit_body(spec):
    return {"task": spec}


def parse_submit_ok(b):
    return _messages.read_body(MsgType.SUBMIT_OK, b)


def get_task_body(task_id):
    return {"task_id": task_id}


def wait_task_body(task_id, timeout_ms):
    return {"task_id": task_id, "timeout_ms": int(timeout_ms)}


def parse_task_info(b):
    if not isinstance(b, dict) or "task" not in b:
        raise _invalid("task", "is required")
    return parse_task_view(b["task"])


def cancel_body(task_id, reason=""):
    return {"task_id": task_id, "reason": reason}


def parse_cancel_ok(b):
    out = _messages.read_body(MsgType.CANCEL_OK, b)
    out["state"] = TaskState(out["state"])
    return out


# Bodies read from the schema's field lists (imported last: orion_sdk.messages uses the readers above).
from . import messages as _messages  # noqa: E402
