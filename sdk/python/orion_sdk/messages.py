"""Every ORION/1 body read by one function from the field lists generated out of
common/protocol.toml (orion_sdk.schema), so that a message added to the schema is decoded here
with no hand-written code:

    body = read_body(MsgType.AGENT_STATS_OK, decode_value(frame))   # dict, defaults filled in
    # raises OrionError: MALFORMED when the body is not a map, INVALID_ARGUMENT naming the first
    # bad field ("field 'agents': field 'load': must be in 0..100000"), TOO_LARGE for an `any`
    # value encoded past its bound

A field that is absent (or nil) and optional takes its schema default (None when it has none);
fields the schema does not name are ignored, as protocol.md section 5 requires. Checks that are
more than a type and a bound (a vote is "yes" or "no", a public key is hex) stay with the
message's own parser in orion_sdk.protocol.
"""

import math

from . import schema
from .protocol import (ErrorCode, OrionError, _invalid, _is_int, _present, encode_value, read_bool, read_int,
                       read_map, read_num, read_str, read_str_list, read_str_map)
from .schema import BODIES, RECORDS, MsgType

INT64_MIN = -(1 << 63)


def _bound(v):
    """A bound from the schema: a number, or the name of a constant of orion_sdk.schema."""
    return getattr(schema, v) if isinstance(v, str) else v


def _nested(name, error):
    """An error inside a record or list, as the field that holds it."""
    if error.code == ErrorCode.INVALID_ARGUMENT:
        return OrionError(ErrorCode.INVALID_ARGUMENT, "field '%s': %s" % (name, error.message))
    return error


def _read_items(f, v):
    """A list field's items: str, int or records."""
    name = f.name
    if not isinstance(v, list):
        raise _invalid(name, "must be an array")
    max_items = _bound(f.max_items) if f.max_items is not None else schema.MAX_LIST_ITEMS
    if len(v) > max_items:
        raise _invalid(name, "has more than %d items" % max_items)
    if f.min_items is not None and len(v) < f.min_items:
        raise _invalid(name, "must have at least %d items" % f.min_items)
    if f.inner == "str":
        return read_str_list({name: v}, name, max_items=max_items)
    if f.inner == "int":
        lo = _bound(f.min) if f.min is not None else INT64_MIN
        hi = _bound(f.max) if f.max is not None else schema.INT64_MAX
        for item in v:
            if not _is_int(item) or not lo <= item <= hi:
                raise _invalid(name, "must be an array of integers in %d..%d" % (lo, hi))
        return list(v)
    out = []
    for item in v:
        try:
            out.append(read_record(f.inner, item))
        except OrionError as e:
            raise _nested(name, e) from None
    return out


def _read_map_of(f, v):
    """A map field whose values are not str: Counts (name -> int >= 0) or records."""
    name = f.name
    if not isinstance(v, dict):
        raise _invalid(name, "must be a map")
    max_items = _bound(f.max_items) if f.max_items is not None else schema.MAX_LIST_ITEMS
    if f.inner == "int":  # Counts
        max_items = _bound(f.max_items) if f.max_items is not None else schema.MAX_STATS_KEYS
    if len(v) > max_items:
        raise _invalid(name, "has more than %d entries" % max_items)
    out = {}
    for key, item in v.items():
        if not isinstance(key, str) or len(key.encode("utf-8", "surrogateescape")) > schema.MAX_NAME_BYTES:
            raise _invalid(name, "has a name longer than %d bytes" % schema.MAX_NAME_BYTES)
        if f.inner == "int":
            if not _is_int(item) or item < 0 or item > schema.INT64_MAX:
                raise _invalid(name, "must map names to integers >= 0")
            out[key] = item
        elif f.inner == "Counts":
            out[key] = _read_map_of(f._replace(inner="int", max_items=None), item)
        else:
            try:
                out[key] = read_record(f.inner, item)
            except OrionError as e:
                raise _nested(name, e) from None
    return out


def read_field(f, body):
    """One field of `body` as the schema's Field `f` says; its default when absent."""
    name = f.name
    if f.kind == "scalar":
        if f.inner == "str":
            max_bytes = _bound(f.max_bytes) if f.max_bytes is not None else schema.MAX_NAME_BYTES
            return read_str(body, name, f.required, "" if f.default is None else f.default, max_bytes)
        if f.inner == "int":
            lo = _bound(f.min) if f.min is not None else INT64_MIN
            hi = _bound(f.max) if f.max is not None else schema.INT64_MAX
            return read_int(body, name, lo, hi, f.required, 0 if f.default is None else f.default)
        if f.inner == "num":
            lo = float(_bound(f.min)) if f.min is not None else -math.inf
            hi = float(_bound(f.max)) if f.max is not None else math.inf
            return read_num(body, name, lo, hi, f.required, 0.0 if f.default is None else float(f.default))
        if f.inner == "bool":
            return read_bool(body, name, f.required, bool(f.default))
        if f.inner == "map":
            v = read_map(body, name, f.required, None if f.default is None else dict(f.default))
            if f.max_bytes is not None and body.get(name) is not None:
                _check_encoded(name, v, _bound(f.max_bytes))
            return v
        v = _present(body, name, f.required)  # any
        if v is None:  # absent: its default (a copy), nil when it has none
            return list(f.default) if isinstance(f.default, list) else (
                dict(f.default) if isinstance(f.default, dict) else f.default)
        if f.max_bytes is not None:
            _check_encoded(name, v, _bound(f.max_bytes))
        return v
    v = _present(body, name, f.required)
    if v is None:
        return list(f.default) if isinstance(f.default, list) else (
            dict(f.default) if isinstance(f.default, dict) else f.default)
    if f.kind == "list":
        return _read_items(f, v)
    if f.kind == "map":
        if f.inner == "str":
            max_items = _bound(f.max_items) if f.max_items is not None else schema.MAX_LIST_ITEMS
            return read_str_map(body, name, f.required, max_items)
        return _read_map_of(f, v)
    if f.inner == "Counts":
        return _read_map_of(f._replace(inner="int"), v)
    try:
        return read_record(f.inner, v)
    except OrionError as e:
        raise _nested(name, e) from None


def _check_encoded(name, value, max_bytes):
    if len(encode_value(value)) > max_bytes:
        raise OrionError(ErrorCode.TOO_LARGE, "field '%s': larger than %d bytes" % (name, max_bytes))


def _read_fields(fields, body):
    if not isinstance(body, dict):
        raise OrionError(ErrorCode.MALFORMED, "body is not a map")
    out = {f.name: read_field(f, body) for f in fields}
    # After every field, as the C++ readers do: an empty str whose min_bytes is 1 ("" is absent).
    for f in fields:
        if f.min_bytes and f.kind == "scalar" and f.inner == "str" and len(out[f.name]) < f.min_bytes:
            raise _invalid(f.name, "must not be empty")
    return out


def read_record(name, value):
    """A record of the schema (AgentSpec, TaskView, ...) read from a map."""
    if not isinstance(value, dict):
        raise OrionError(ErrorCode.INVALID_ARGUMENT, "must be a map")
    return _read_fields(RECORDS[name], value)


def read_body(msg_type, body):
    """The body of a message of type `msg_type`, every field the schema names, checked."""
    fields = BODIES.get(MsgType(msg_type)) if msg_type in MsgType._value2member_map_ else None
    if fields is None:
        raise OrionError(ErrorCode.UNKNOWN_TYPE, "message type %d has no body" % int(msg_type))
    return _read_fields(fields, body)
