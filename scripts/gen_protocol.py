#!/usr/bin/env python3
"""Generates the protocol's tables, constants and field lists from common/protocol.toml.

    python3 scripts/gen_protocol.py --cpp-dir DIR        # the C++ sources (the build runs this)
    python3 scripts/gen_protocol.py --check              # exit 1 when a checked-in output differs
    python3 scripts/gen_protocol.py --write              # rewrite the checked-in outputs

Checked-in outputs: the tables of docs/protocol.md between `<!-- generated:KIND ARG -->` and
`<!-- end generated -->` (KIND is `types` with a section, `bodies` with a section, or `record`
with a record name; everything outside the markers is prose and left alone), and
sdk/python/orion_sdk/schema.py. The schema's conventions are at the top of protocol.toml.
Standard library only (tomllib, Python 3.11).
"""

import argparse
import difflib
import os
import re
import sys
import tomllib

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SCHEMA = os.path.join(ROOT, "common", "protocol.toml")
DOC = os.path.join(ROOT, "docs", "protocol.md")
PY_OUT = os.path.join(ROOT, "sdk", "python", "orion_sdk", "schema.py")

INT64_MAX = (1 << 63) - 1
SCALARS = {"str", "int", "num", "bool", "any", "map"}
# Named map shapes: Counts is a map of at most MAX_STATS_KEYS names to an int >= 0.
ALIASES = {"Counts": "{str:int}"}


class SchemaError(Exception):
    pass


# ---- loading and checking ----------------------------------------------------------------------

def load(path=SCHEMA):
    with open(path, "rb") as f:
        s = tomllib.load(f)
    consts = {c["name"]: c for c in s.get("constants", [])}
    records = {r["name"]: r for r in s.get("record", [])}
    messages = s.get("message", [])
    enums = {e["name"]: e for e in s.get("enum", [])}
    schema = {"constants": s.get("constants", []), "const": consts, "records": records,
              "messages": messages, "enums": enums}
    check(schema)
    return schema


def resolve(schema, v):
    """A bound: a number, or the name of a constant (INT64_MAX included)."""
    if isinstance(v, str):
        if v == "INT64_MAX":
            return INT64_MAX
        if v not in schema["const"]:
            raise SchemaError(f"unknown constant {v!r}")
        return schema["const"][v]["value"]
    return v


def parse_type(t):
    """('scalar', name) | ('record', name) | ('list', inner) | ('map', inner)."""
    t = ALIASES.get(t, t)
    if t.startswith("[") and t.endswith("]"):
        return ("list", t[1:-1])
    if t.startswith("{str:") and t.endswith("}"):
        return ("map", t[5:-1])
    if t in SCALARS:
        return ("scalar", t)
    return ("record", t)


def check_type(schema, t, where):
    kind, inner = parse_type(t)
    if kind in ("list", "map"):
        check_type(schema, inner, where)
    elif kind == "record" and inner not in schema["records"]:
        raise SchemaError(f"{where}: unknown type {t!r}")


def check(schema):
    seen_types, seen_names = set(), set()
    for m in schema["messages"]:
        for key in ("type", "name", "table", "direction"):
            if key not in m:
                raise SchemaError(f"message {m.get('name', m.get('type'))}: no {key}")
        if m["type"] in seen_types or m["name"] in seen_names:
            raise SchemaError(f"message {m['name']} ({m['type']}): number or name used twice")
        if not 0 <= m["type"] <= 255:
            raise SchemaError(f"message {m['name']}: type must be 0..255")
        seen_types.add(m["type"])
        seen_names.add(m["name"])
    names = {m["name"] for m in schema["messages"]}
    for m in schema["messages"]:
        if "same_as" in m and m["same_as"] not in names:
            raise SchemaError(f"message {m['name']}: same_as names no message")
    owners = [(f"record {r['name']}", r) for r in schema["records"].values()]
    owners += [(f"message {m['name']}", m) for m in schema["messages"]]
    for where, owner in owners:
        if "extends" in owner and owner["extends"] not in schema["records"]:
            raise SchemaError(f"{where}: extends an unknown record")
        fnames = set()
        for f in owner.get("fields", []):
            w = f"{where} field {f.get('name')}"
            for key in ("name", "type", "doc"):
                if key not in f:
                    raise SchemaError(f"{w}: no {key}")
            if f["name"] in fnames:
                raise SchemaError(f"{w}: defined twice")
            fnames.add(f["name"])
            if f.get("need", "opt") not in ("req", "opt"):
                raise SchemaError(f"{w}: need must be req or opt")
            check_type(schema, f["type"], w)
            for key in ("min", "max", "max_bytes", "max_items", "min_bytes", "min_items"):
                if key in f:
                    resolve(schema, f[key])
            if "enum" in f and (f["enum"] not in schema["enums"] or f["type"] not in ("int", "[int]")):
                raise SchemaError(f"{w}: enum names no [[enum]], or the field is not an int or [int]")
            if "cpp_type" in f and (f["type"] != "int" or "enum" in f):
                raise SchemaError(f"{w}: cpp_type needs an int field without enum")
            if "values" in f and (f["type"] != "str" or not f["values"]):
                raise SchemaError(f"{w}: values need a str field and at least one name")
            if "cpp_flag" in f and (len(f.get("values", [])) != 2 or f["cpp_flag"] not in f["values"]):
                raise SchemaError(f"{w}: cpp_flag must be one of exactly two values")
            if f.get("nested_errors", "as_is") != "as_is":
                raise SchemaError(f"{w}: nested_errors can only be as_is")
            if f.get("loose_map") and parse_type(f["type"])[0] not in ("record", "list"):
                raise SchemaError(f"{w}: loose_map needs a record or a list of records")
            if f.get("cpp_optional") and parse_type(f["type"])[0] not in ("record", "list"):
                raise SchemaError(f"{w}: cpp_optional needs a record or a list of records")
            if "alias_of" in f and f["alias_of"] not in fnames:
                raise SchemaError(f"{w}: alias_of must name a field before it")
        if owner.get("packed_keys", "sorted") not in ("sorted", "fixed_first"):
            raise SchemaError(f"{where}: packed_keys can only be sorted or fixed_first")
        if "cpp_base" in owner and "extends" not in owner:
            raise SchemaError(f"{where}: cpp_base needs extends")
    for e in schema["enums"].values():
        if ("family" in e) == ("cpp_header" in e):
            raise SchemaError(f"enum {e['name']}: give family (generated) or cpp_header (hand-written)")
        if "family" in e and [v["value"] for v in e.get("values", [])][:1] != [0]:
            raise SchemaError(f"enum {e['name']}: its first value must be UNKNOWN = 0")
        if e.get("names", "upper") not in ("upper", "lower"):
            raise SchemaError(f"enum {e['name']}: names must be upper or lower")
        if e.get("names") == "lower" and e.get("parse"):
            raise SchemaError(f"enum {e['name']}: parse needs names = upper")


def fields_of(schema, owner):
    """Every field of a record or message, those of the record it extends first."""
    base = []
    if "extends" in owner:
        base = fields_of(schema, schema["records"][owner["extends"]])
    return base + list(owner.get("fields", []))


# ---- words for people --------------------------------------------------------------------------

def num_text(v):
    if v == INT64_MAX:
        return "2^63-1"
    if isinstance(v, float):
        if v == int(v) and abs(v) < 1e6:
            return str(int(v))
        mantissa, exp = f"{v:e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exp)}"
    return f"{v:,}"


def size_text(v):
    if v >= 1 << 20 and v % (1 << 20) == 0:
        return f"{v >> 20} MiB"
    if v >= 1 << 10 and v % (1 << 10) == 0 and v > 4096:
        return f"{v >> 10} KiB"
    return f"{v:,} bytes"


def type_text(t):
    kind, inner = parse_type(t)
    if t in ALIASES:
        return t
    if kind == "list":
        return "[str]" if inner == "str" else f"array of {inner}"
    if kind == "map":
        return "{str:str}" if inner == "str" else f"map of {inner}"
    return inner


def value_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '""' if v == "" else f'"{v}"'
    if isinstance(v, list):
        return "[]"
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, float):
        return f"{v:g}" if v != int(v) or abs(v) >= 1e6 else f"{v:.1f}"
    return num_text(v)


def bounds_text(schema, f):
    """The field's bound and default as the tables show them: `1..100,000, default 1`."""
    parts = []
    kind, inner = parse_type(f["type"])
    lo = resolve(schema, f["min"]) if "min" in f else None
    hi = resolve(schema, f["max"]) if "max" in f else None
    rng = ""
    if lo is not None and hi is not None:
        rng = f"{num_text(lo)}..{num_text(hi)}"
    elif lo is not None:
        rng = f">= {num_text(lo)}"
    elif hi is not None:
        rng = f"<= {num_text(hi)}"
    if kind == "scalar" and inner in ("int", "num") and rng:
        parts.append(rng)
    if kind == "scalar" and inner in ("str", "any", "map"):
        mx = resolve(schema, f["max_bytes"]) if "max_bytes" in f else None
        mn = f.get("min_bytes")
        if inner == "str" and mx is None and mn:
            parts.append(f"{mn}..{schema['const']['MAX_NAME_BYTES']['value']} bytes")
        elif mx is not None:
            parts.append(f"{mn}..{size_text(mx)}" if mn else f"<= {size_text(mx)}")
    if kind in ("list", "map"):
        if "max_items" in f:
            n = num_text(resolve(schema, f["max_items"]))
            parts.append(f"{f['min_items']}..{n} items" if "min_items" in f else f"at most {n} items")
        if inner == "int" and rng:
            parts.append(f"each {rng}")
    if f.get("bounds"):
        parts.append(f["bounds"])
    elif "values" in f:
        q = [f'`"{v}"`' for v in f["values"]]
        parts.append(q[0] if len(q) == 1 else ", ".join(q[:-1]) + " or " + q[-1])
    if "default" in f and not (f.get("need") == "req"):
        parts.append(f"default {value_text(f['default'])}")
    return ", ".join(parts)


def field_line(schema, f):
    """One field in a message row: `name`: TYPE NEED BOUNDS; DOC."""
    need = f.get("need", "opt")
    head = f"`{f['name']}`: {type_text(f['type'])} {need}"
    b = bounds_text(schema, f)
    if b:
        head += f" {b}" if re.match(r"[-<>0-9]", b) else f", {b}"
    return f"{head}; {f['doc']}"


def md_cell(text):
    return text.replace("|", "\\|")


def md_row(cells):
    return ("| " + " | ".join(md_cell(c) for c in cells) + " |").replace("|  |", "| |").replace("|  |", "| |")


def render_types(schema, section):
    rows = [m for m in schema["messages"] if m["table"] == section]
    rows.sort(key=lambda m: m["type"])
    with_socket = section != "13.2"
    if with_socket:
        out = ["| value | type | direction | socket | reply |", "| --- | --- | --- | --- | --- |"]
    else:
        out = ["| value | type | direction | reply |", "| --- | --- | --- | --- |"]
    for m in rows:
        cells = [str(m["type"]), m["name"], m["direction"]]
        if with_socket:
            cells.append(m.get("socket", ""))
        cells.append(m.get("reply", ""))
        out.append(md_row(cells))
    return out


def render_bodies(schema, section):
    rows = [m for m in schema["messages"] if m.get("body") == section]
    rows.sort(key=lambda m: m["type"])
    out = ["| message | fields |", "| --- | --- |"]
    for m in rows:
        if "same_as" in m:
            text = m["doc"]
        elif not m.get("fields"):
            text = "empty map (fields ignored)"
        else:
            text = "; ".join(field_line(schema, f) for f in m["fields"])
            if m.get("doc"):
                text += f". {m['doc']}"
        hot = ", hot path" if m.get("hot") else ""
        out.append(md_row([f"{m['name']} ({m['type']}{hot})", text]))
    return out


def render_record(schema, name):
    r = schema["records"].get(name)
    if r is None:
        raise SchemaError(f"docs/protocol.md names an unknown record {name!r}")
    out = ["| field | type | need | bounds, default | meaning |", "| --- | --- | --- | --- | --- |"]
    for f in r.get("fields", []):
        cells = [f["name"], type_text(f["type"]), f.get("need", "opt"), bounds_text(schema, f), f["doc"]]
        out.append(md_row(cells))
    return out


MARK = re.compile(r"^<!-- generated:(types|bodies|record) (\S+) -->$")
END = "<!-- end generated -->"


def render_doc(schema, text):
    """protocol.md with every generated block replaced by what the schema gives."""
    lines = text.split("\n")
    out, i = [], 0
    renderers = {"types": render_types, "bodies": render_bodies, "record": render_record}
    while i < len(lines):
        line = lines[i]
        out.append(line)
        m = MARK.match(line)
        i += 1
        if not m:
            continue
        j = i
        while j < len(lines) and lines[j] != END:
            if MARK.match(lines[j]):
                raise SchemaError(f"docs/protocol.md line {i}: {m.group(0)} has no {END}")
            j += 1
        if j == len(lines):
            raise SchemaError(f"docs/protocol.md line {i}: {m.group(0)} has no {END}")
        out.extend(renderers[m.group(1)](schema, m.group(2)))
        out.append(END)
        i = j + 1
    return "\n".join(out)


# ---- C++ ---------------------------------------------------------------------------------------

def camel(name):
    return "k" + "".join(p.capitalize() for p in name.lower().split("_"))


CTYPES = {"size": "std::size_t", "i64": "std::int64_t", "f64": "double"}


def cpp_literal(v):
    s = str(v)
    if isinstance(v, int) and v >= 10_000:
        # digit separators every three digits: 1'000'000
        s = f"{v:,}".replace(",", "'")
    if isinstance(v, int) and v > 0x7fffffff:
        s += "LL"
    return s


def render_cpp(schema):
    out = [
        "// Generated from common/protocol.toml by scripts/gen_protocol.py: do not edit.",
        "// The ORION/1 message types and wire bounds (docs/protocol.md sections 4, 9, 13.2, 14).",
        "#pragma once",
        "",
        "#include <cstddef>",
        "#include <cstdint>",
        "",
        "namespace orion {",
        "",
        "// Wire values are frozen: add new types, never renumber.",
        "enum class MsgType : std::uint8_t {",
    ]
    for m in sorted(schema["messages"], key=lambda m: m["type"]):
        out.append(f"  {m['name']} = {m['type']},  // {m['direction']}")
    out += ["};", ""]
    out.append("// Whether `type` is one this protocol defines (UNKNOWN is not).")
    out.append("constexpr bool is_known(MsgType type) {")
    out.append("  switch (type) {")
    for m in sorted(schema["messages"], key=lambda m: m["type"]):
        if m["type"] != 0:
            out.append(f"    case MsgType::{m['name']}:")
    out += ["      return true;", "    default:", "      return false;", "  }", "}", ""]
    out.append("// The type's name as protocol.md spells it; \"?\" for a value it does not define.")
    out.append("constexpr const char* to_string(MsgType type) {")
    out.append("  switch (type) {")
    for m in sorted(schema["messages"], key=lambda m: m["type"]):
        out.append(f"    case MsgType::{m['name']}: return \"{m['name']}\";")
    out += ["  }", "  return \"?\";", "}", ""]
    out.append("// Messages the services read on their fast paths without building a tree.")
    out.append("constexpr bool is_hot_path(MsgType type) {")
    hot = [m for m in schema["messages"] if m.get("hot")]
    out.append("  return " + " || ".join(f"type == MsgType::{m['name']}" for m in hot) + ";")
    out += ["}", ""]
    out.append("// ---- Wire bounds ----")
    for c in schema["constants"]:
        out.append(f"inline constexpr {CTYPES[c['ctype']]} {camel(c['name'])} = {cpp_literal(c['value'])};  // {c['doc']}")
    out += ["", "}  // namespace orion", ""]
    return "\n".join(out)


# ---- C++ message families ----------------------------------------------------------------------
# Records and messages with `family = "F"` and `cpp = "StructName"` become structs with one reader
# and one writer each, and [[enum]] tables with `family = "F"` enum classes with their names, in
# common/gen/F_messages.h and .cpp (build tree); the hand-written common/F_messages.h includes the
# header. A record or enum with `cpp_header` and no family is hand-written C++ that generated
# structs hold (its header is included). Per field:
#   enum = "E"          an int whose C++ member is the enum class E (read in its min..max)
#   values = [..]       a str that is one of these names, else INVALID_ARGUMENT
#   cpp_flag = "name"   with two values: the C++ member is `bool name`, true for that value
#   omit_empty = true   the writers leave the field out while it is empty, 0, false or nil
#   nested_errors = "as_is"  a record's error is returned as it is, not under the field's name
#   loose_map = true    a record (or list item) that is not a map is handed to the record's reader,
#                       whose MALFORMED "body is not a map" is then the error, not INVALID_ARGUMENT
#   cpp_optional = true a record (or list of records) held as std::optional: absent or nil reads as
#                       nullopt, and the writers leave it out while it is nullopt
#   cpp_member = "m"    the C++ member's name when it differs from the field's
#   cpp_default = v     the C++ member's initial value when it differs from the documented default
#                       (e.g. "" = not said, where an absent field is read as the default)
#   write_if = "expr"   the writers write the field only while the C++ expression (over the
#                       struct's members) is true
#   cpp_type = "T"      an int held as the C++ integer type T (e.g. std::uint64_t): read as an int
#                       in its min..max, then converted
#   read = "fn"         a read hook: the readers call the hand-written `std::optional<Error> fn(const
#                       Json* v, const char* key, T& out)` (and its msgpack::object overload in a
#                       packed family; v is null when the key is absent) after the plain fields;
#                       the family header declares it
#   alias_of = "f"      another way to give the earlier field f: read into f's member by its read
#                       hook, never declared nor written
#   null_as_empty       a map written as {} while its member holds nil
#   enum on an [int]    a list of small integers held as std::vector<E>, each read in min..max
# Per record or message: cpp_order = [names] declares the C++ members in that order (aggregate
# initialisers of a struct that was hand-written keep their meaning); cpp_base = "m" with extends: the extended record is the member m (the
# fields of both share one map on the wire); it is read first and its error returned as it is.
# Per record or message: check = "fn" calls the hand-written `Status fn(T&)` after the fields
# are read (rules that span fields); packed = true (messages) adds to_packed() and from_packed():
# the same body as msgpack bytes, read and written without a Json tree (packed_keys = "sorted":
# written in the key order of nlohmann, so the bytes are those of to_body's, float32 aside;
# packed_keys = "fixed_first": the keys always written first, then the conditional ones);
# packed = true on a record adds write_packed() and from_object() (for hand-written packed codecs
# that hold it; and, when a record extends it with cpp_base, packed_size() and
# write_packed_fields() for the extending record's writer). cpp_ref = "NameRef" (a record) adds a
# struct of references to its fields whose write_packed is the record's one packed writer (the
# record's own builds one); cpp_ref_omittable = [names] holds those as pointers (null: left out).
# An enum
# with names = "lower" spells its values in lower case in to_string (no parse then).

CPP_SCALAR = {"str": "std::string", "int": "std::int64_t", "num": "double", "bool": "bool", "any": "Json",
              "map": "Json"}


def cpp_bound(schema, v):
    if isinstance(v, str):
        return "INT64_MAX" if v == "INT64_MAX" else camel(v)
    if isinstance(v, float):
        return f"{v:g}" if v != int(v) or abs(v) >= 1e6 else f"{v:.1f}"
    return cpp_literal(v)


def cpp_name(schema, name):
    r = schema["records"][name]
    if "cpp" not in r:
        raise SchemaError(f"record {name} is used by a generated struct but has no cpp name")
    return r["cpp"]


def member(f):
    return f.get("cpp_flag", f.get("cpp_member", f.get("alias_of", f["name"])))


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def enum_value(schema, enum, v):
    """The C++ spelling of value v of an enum: its name where the schema lists it."""
    e = schema["enums"][enum]
    for x in e.get("values", []):
        if x["value"] == v:
            return f"{enum}::{x['name']}"
    if v == 0:
        return f"{enum}::UNKNOWN"
    return f"static_cast<{enum}>({v})"


def cpp_type(schema, f):
    if f.get("cpp_optional"):
        return f"std::optional<{cpp_type(schema, dict(f, cpp_optional=False))}>"
    t = f["type"]
    if "cpp_type" in f:
        return f["cpp_type"]
    if "enum" in f and t == "[int]":
        return f"std::vector<{f['enum']}>"
    if "enum" in f:
        return f["enum"]
    if "cpp_flag" in f:
        return "bool"
    if t == "Counts":
        return "Counts"
    kind, inner = parse_type(t)
    if kind == "scalar":
        return CPP_SCALAR[inner]
    if kind == "list":
        item = {"str": "std::string", "int": "std::int64_t"}.get(inner) or cpp_name(schema, inner)
        return f"std::vector<{item}>"
    if kind == "map":
        if t.endswith(":Counts}"):
            return "std::map<std::string, Counts>"
        return "std::map<std::string, std::string>"
    return cpp_name(schema, inner)


def cpp_init(schema, f):
    init = cpp_init_value(schema, f)
    return init if init else "{}"


def cpp_init_value(schema, f):
    d = f.get("cpp_default", f.get("default"))
    if "enum" in f and f["type"] == "[int]":
        return ""
    if "enum" in f:
        return f" = {enum_value(schema, f['enum'], d or 0)}"
    if "cpp_flag" in f:
        return " = true" if d == f["cpp_flag"] else " = false"
    kind, inner = parse_type(f["type"])
    if kind != "scalar":
        return ""
    if d is None:  # a required field, or one without a default: numbers and bools start at zero
        return {"int": " = 0", "num": " = 0.0", "bool": " = false"}.get(inner, "")
    if inner == "bool":
        return " = true" if d else " = false"
    if inner == "int":
        return f" = {cpp_literal(d)}"
    if inner == "num":
        return f" = {float(d)!r}"
    if inner == "str" and d:
        return f' = "{d}"'
    if inner == "any" and d == []:
        return " = Json::array()"
    if inner == "map" and d == {}:
        return " = Json::object()"
    return ""


def cpp_fields(schema, owner):
    """The fields a struct holds as members of its own: with cpp_base, those of the extended
    record are the base member's."""
    if "cpp_base" in owner:
        return list(owner.get("fields", []))
    return fields_of(schema, owner)


def member_order(owner, fields):
    """The fields in the order their C++ members are declared: cpp_order's, else the schema's."""
    if "cpp_order" not in owner:
        return fields
    order = owner["cpp_order"]
    if sorted(order) != sorted(f["name"] for f in fields):
        raise SchemaError(f"{owner['name']}: cpp_order must name every field once")
    return sorted(fields, key=lambda f: order.index(f["name"]))


def family_members(schema, family):
    enums = [e for e in schema["enums"].values() if e.get("family") == family]
    recs = [r for r in schema["records"].values() if r.get("family") == family]
    # A struct after the structs it holds (C++ needs them complete), otherwise in schema order.
    ordered, done = [], set()

    def place(r):
        if r["name"] in done:
            return
        done.add(r["name"])
        held = [parse_type(f["type"])[1] for f in fields_of(schema, r)]
        if "cpp_base" in r:
            held.append(r["extends"])
        for inner in held:
            if inner in schema["records"] and schema["records"][inner].get("family") == family:
                place(schema["records"][inner])
        ordered.append(r)

    for r in recs:
        place(r)
    recs = ordered
    msgs = sorted((m for m in schema["messages"] if m.get("family") == family), key=lambda m: m["type"])
    return enums, recs, msgs


def packed_records(schema, family):
    """The records of the family that a packed message holds (they get a packed reader and writer)."""
    _, recs, msgs = family_members(schema, family)
    out, todo = {r["name"] for r in recs if r.get("packed")}, [m for m in msgs if m.get("packed")]
    todo += [r for r in recs if r.get("packed")]
    while todo:
        for f in fields_of(schema, todo.pop()):
            kind, inner = parse_type(f["type"])
            if (kind == "record" or kind == "list") and inner in schema["records"] and inner not in out:
                r = schema["records"][inner]
                if r.get("family") != family and (r.get("packed") or "cpp_header" in r):
                    continue  # it has its own packed reader and writer
                if r.get("family") != family:
                    raise SchemaError(f"record {inner}: held by a packed message of {family}, but not of it")
                out.add(inner)
                todo.append(r)
    return out


def family_headers(schema, family):
    """The hand-written headers that define the external records and enums a family holds."""
    _, recs, msgs = family_members(schema, family)
    heads = set()
    for owner in recs + msgs:
        held = [f["type"] for f in cpp_fields(schema, owner)]
        if "cpp_base" in owner:
            held.append(owner["extends"])
        for f in cpp_fields(schema, owner):
            if "enum" in f and "cpp_header" in schema["enums"][f["enum"]]:
                heads.add(schema["enums"][f["enum"]]["cpp_header"])
        for t in held:
            kind, inner = parse_type(t)
            r = schema["records"].get(inner)
            if r is not None and r.get("family", family) != family:
                heads.add(f"common/gen/{r['family']}_messages.h")
            elif r is not None and "family" not in r:
                if "cpp_header" not in r:
                    raise SchemaError(f"record {inner}: held by a generated struct, so it needs family or cpp_header")
                heads.add(r["cpp_header"])
    return sorted(heads)


def render_cpp_enum_decl(e):
    out = [f"// {e['doc']} Wire values are frozen: UNKNOWN = 0 first, never renumbered.",
           f"enum class {e['name']} : std::uint8_t {{"]
    for v in e["values"]:
        out.append(f"  {v['name']} = {v['value']},  // {v['doc']}")
    unknown = "unknown" if e.get("names") == "lower" else "UNKNOWN"
    out += ["};", f"// The value's name, \"{unknown}\" for one the protocol does not define.",
            f"const char* to_string({e['name']} value);"]
    if e.get("parse"):
        out.append(f"// The value named `name` in any case, or UNKNOWN.")
        out.append(f"{e['name']} {snake(e['name'])}_from_string(std::string_view name);")
    out.append("")
    return out


def render_cpp_enum_def(e):
    n = e["name"]
    spell = (lambda x: x.lower()) if e.get("names") == "lower" else (lambda x: x)
    out = [f"const char* to_string({n} value) {{", "  switch (value) {"]
    for v in e["values"]:
        out.append(f"    case {n}::{v['name']}: return \"{spell(v['name'])}\";")
    out += ["  }", f'  return "{spell("UNKNOWN")}";', "}", ""]
    if e.get("parse"):
        named = ", ".join(f"{n}::{v['name']}" for v in e["values"] if v["value"] != 0)
        out += [f"{n} {snake(n)}_from_string(std::string_view name) {{",
                "  std::string upper;",
                "  for (char c : name) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));",
                f"  for ({n} v : {{{named}}}) {{",
                "    if (upper == to_string(v)) return v;",
                "  }",
                f"  return {n}::UNKNOWN;",
                "}", ""]
    return out


def render_cpp_family_header(schema, family):
    enums, recs, msgs = family_members(schema, family)
    packed = packed_records(schema, family)
    any_packed = bool(packed) or any(m.get("packed") for m in msgs)
    out = [
        "// Generated from common/protocol.toml by scripts/gen_protocol.py: do not edit.",
        f"// The {family} messages' bodies: one struct each, with one writer and one reader.",
        "#pragma once",
        "",
        "#include <cstdint>",
        "#include <map>",
    ]
    if any(f.get("cpp_optional") or "read" in f for o in recs + msgs for f in cpp_fields(schema, o)):
        out.append("#include <optional>")
    out.append("#include <string>")
    if any_packed or any(e.get("parse") for e in enums):
        out.append("#include <string_view>")
    out += [
        "#include <vector>",
        "",
        '#include "common/codec.h"',
        '#include "common/field_rows.h"',
    ]
    if any_packed:
        out.append('#include "common/msgpack_object.h"')
    out += ['#include "common/protocol_schema.h"', '#include "common/status.h"']
    out += [f'#include "{h}"' for h in family_headers(schema, family)]
    out += ["", "namespace orion {", ""]
    if any_packed:
        out += ["class MsgWriter;", ""]
    for e in enums:
        out += render_cpp_enum_decl(e)
    for owner, is_msg in [(r, False) for r in recs] + [(m, True) for m in msgs]:
        what = f"{owner['name']} ({owner['type']})" if is_msg else f"The record {owner['name']}"
        out.append(f"// {what}: protocol.md section {owner.get('body', '?')}.")
        out.append(f"struct {owner['cpp']} {{")
        if "cpp_base" in owner:
            base = schema["records"][owner["extends"]]
            out.append(f"  {cpp_name(schema, base['name'])} {owner['cpp_base']}{{}};  // its {base['name']} fields")
        for f in member_order(owner, declared_fields(schema, owner)):
            out.append(f"  {cpp_type(schema, f)} {member(f)}{cpp_init(schema, f)};  // {f['doc']}")
        name = owner["cpp"]
        if is_msg:
            out.append("  Json to_body() const;")
            out.append(f"  static Result<{name}> from_body(const Json& b);")
            if owner.get("packed"):
                out.append("  // The same body as msgpack bytes, without a Json tree: to_packed() decodes to")
                out.append("  // to_body(); from_packed(b) accepts and refuses what decode_value(b) then from_body")
                out.append("  // does, with the same first error.")
                out.append("  std::string to_packed() const;")
                out.append(f"  static Result<{name}> from_packed(std::string_view body);")
                out.append(f"  static Result<{name}> from_object(const msgpack::object& o);")
        else:
            out.append("  Json to_json() const;")
            out.append(f"  static Result<{name}> from_json(const Json& j);")
            if owner["name"] in packed:
                out.append("  void write_packed(MsgWriter& w) const;")
                if is_extended(schema, owner):
                    out.append("  // Its keys without the map header, for a record that extends it (one map on the wire).")
                    out.append("  std::size_t packed_size() const;")
                    out.append("  void write_packed_fields(MsgWriter& w) const;")
                out.append(f"  static Result<{name}> from_object(const msgpack::object& o);")
                if "cpp_base" not in owner:
                    out.append("  // from_object into a value in place (a batch's entries: nothing moved); on an")
                    out.append("  // error m holds the fields read so far.")
                    out.append(f"  static Status read_object(const msgpack::object& o, {name}& m);")
        out += ["};"]
        if "cpp_ref" in owner:
            out += render_ref_decl(schema, owner)
        if "check" in owner:
            out.append(f"// Its rules beyond single fields (hand-written): called by every reader once the fields are read.")
            out.append(f"Status {owner['check']}({name}& m);")
        out.append("")
    hooks = read_hooks(schema, recs + msgs)
    if hooks:
        out.append("// Read hooks (hand-written): a field read by code of its own. v is the field's value, null when")
        out.append("// the key is absent; the hook returns the field's error, or nothing once `out` is read.")
    for fn, t in hooks:
        out.append(f"std::optional<Error> {fn}(const Json* v, const char* key, {t}& out);")
        if any_packed:
            out.append(f"std::optional<Error> {fn}(const msgpack::object* v, const char* key, {t}& out);")
    if hooks:
        out.append("")
    out += ["}  // namespace orion", ""]
    return "\n".join(out)


def declared_fields(schema, owner):
    """The fields that are C++ members of the struct (an alias_of field reads into another's)."""
    return [f for f in cpp_fields(schema, owner) if "alias_of" not in f]


def written_fields(fields):
    return [f for f in fields if "alias_of" not in f]


def is_extended(schema, owner):
    """Whether a record extends this one with cpp_base (it then writes this one's keys into its map)."""
    return any(r.get("extends") == owner["name"] and "cpp_base" in r for r in schema["records"].values())


def read_hooks(schema, owners):
    """(hook, C++ type of the member it reads) for every `read` field of these structs."""
    seen = []
    for owner in owners:
        for f in cpp_fields(schema, owner):
            if "read" in f:
                target = f
                if "alias_of" in f:
                    target = next(g for g in cpp_fields(schema, owner) if g["name"] == f["alias_of"])
                item = (f["read"], cpp_type(schema, target))
                if item not in seen:
                    seen.append(item)
    return seen


def ref_name(owner):
    return owner["cpp_ref"]


def render_ref_decl(schema, owner):
    """cpp_ref = "NameRef": the struct's fields held elsewhere, as references (a holder that keeps
    them in its own layout writes them without a copy); the one packed writer of the record. A field
    in cpp_ref_omittable is a pointer there: null leaves it out."""
    omit = owner.get("cpp_ref_omittable", [])
    out = [f"// {owner['cpp']}'s fields held elsewhere: write_packed() writes exactly the map of the {owner['cpp']}",
           "// they make up (a null pointer member leaves its key out).",
           f"struct {ref_name(owner)} {{"]
    if "cpp_base" in owner:
        out.append(f"  const {cpp_name(schema, owner['extends'])}& {owner['cpp_base']};")
    for f in member_order(owner, declared_fields(schema, owner)):
        t = cpp_type(schema, f)
        if f["name"] in omit:
            out.append(f"  const {t}* {member(f)};  // null: left out")
        elif t in ("std::int64_t", "double", "bool") or "enum" in f or "cpp_type" in f:
            out.append(f"  {t} {member(f)};")
        else:
            out.append(f"  const {t}& {member(f)};")
    out += ["  void write_packed(MsgWriter& w) const;", "};"]
    return out


def need_of(f):
    return "Need::REQUIRED" if f.get("need") == "req" else "Need::OPTIONAL"


def temp_of(f):
    """A local the reader reads into before the member: enum fields, cpp_type ints and flags."""
    if "enum" in f and f["type"] == "[int]":
        return None
    if "cpp_type" in f:
        return f"std::int64_t {f['name']} = {int(f.get('default', 0))};"
    if "enum" in f:
        return f"std::int64_t {f['name']} = {int(f.get('default', 0))};"
    if "cpp_flag" in f:
        return f"std::string {f['name']};"
    return None


def cpp_reader_line(schema, f, obj=False):
    """The Fields (or packed::ObjFields, obj) call that reads `f`, or None when a helper of
    field_rows.h (packed_rows.h) reads it after."""
    need = need_of(f)
    kind, inner = parse_type(f["type"])
    n = f["name"]
    if "read" in f:
        return None
    if "alias_of" in f:
        raise SchemaError(f"field {n}: alias_of needs a read hook")
    dst = n if temp_of(f) else f"m.{member(f)}"
    call = (lambda fn, rest: f'r.{fn}("{n}", f.value[{{i}}], {dst}, {need}{rest});') if obj else \
        (lambda fn, rest: f'f.{fn}("{n}", {dst}, {need}{rest});')
    if kind == "scalar":
        if inner == "str":
            return call("str", f", {cpp_bound(schema, f['max_bytes'])}" if "max_bytes" in f else "")
        if inner == "int":
            lo = cpp_bound(schema, f["min"]) if "min" in f else "INT64_MIN"
            hi = cpp_bound(schema, f["max"]) if "max" in f else "INT64_MAX"
            return call("integer", f", {lo}, {hi}")
        if inner == "num":
            lo = cpp_bound(schema, float(resolve(schema, f["min"]))) if "min" in f else "-1e300"
            hi = cpp_bound(schema, float(resolve(schema, f["max"]))) if "max" in f else "1e300"
            return call("number", f", {lo}, {hi}")
        if inner == "bool":
            return call("boolean", "")
        if inner == "any":
            return call("any", "")
        return call("object", "")
    if kind == "list" and inner == "str":
        return call("str_list", f", {cpp_bound(schema, f['max_items'])}" if "max_items" in f else "")
    if kind == "map" and inner == "str":
        if obj:
            raise SchemaError(f"field {n}: {{str:str}} has no packed reader")
        return call("str_map", f", {cpp_bound(schema, f['max_items'])}" if "max_items" in f else "")
    return None


def cpp_after_line(schema, f, src, obj=False):
    """The field_rows.h (packed_rows.h, obj) call that reads a field Fields does not cover."""
    need = need_of(f)
    n = f["name"]
    kind, inner = parse_type(f["type"])
    mx = cpp_bound(schema, f["max_items"]) if "max_items" in f else None
    ns = "packed::" if obj else ""
    if "read" in f:
        v = src if obj else f'field_value({src}, "{n}")'
        return f'  if (auto e = {f["read"]}({v}, "{n}", out->{member(f)})) return *e;'
    if f["type"] == "Counts" or f["type"].endswith(":Counts}") or (kind == "list" and inner == "int"):
        if obj:
            raise SchemaError(f"field {n}: {f['type']} has no packed reader")
    if f["type"] == "Counts":
        call = f'read_counts({src}, "{n}", {mx or "kMaxStatsKeys"}, out->{n})'
    elif f["type"].endswith(":Counts}"):
        call = f'read_counts_map({src}, "{n}", {mx or "kMaxStatsKeys"}, kMaxStatsKeys, out->{n})'
    elif kind == "list" and inner == "int":
        if "enum" not in f or "min" not in f or "max" not in f:
            raise SchemaError(f"field {n}: an [int] is generated for C++ only with enum, min and max")
        lo, hi = cpp_bound(schema, f["min"]), cpp_bound(schema, f["max"])
        call = f'read_int_list({src}, "{n}", {need}, {mx or "kMaxListItems"}, {lo}, {hi}, out->{member(f)})'
    elif kind == "list":
        opts = nested_options(f, obj)
        call = f'{ns}read_rows({src}, "{n}", {need}, {mx or "kMaxListItems"}, out->{member(f)}{opts})'
    else:
        opts = nested_options(f, obj)
        call = f'{ns}read_record({src}, "{n}", {need}, out->{member(f)}{opts})'
    return f"  if (auto e = {call}) return *e;"


def nested_options(f, obj):
    """The trailing arguments of read_record / read_rows: wrap (the error under the field's name)
    and loose (a value that is not a map is handed to the record's reader)."""
    wrap = f.get("nested_errors") != "as_is"
    loose = bool(f.get("loose_map"))
    if loose:
        return f", {'true' if wrap else 'false'}, true"
    return "" if wrap else ", false"


def quoted_names(values):
    q = [f'\\"{v}\\"' for v in values]
    return q[0] if len(q) == 1 else ", ".join(q[:-1]) + " or " + q[-1]


def cpp_check_lines(schema, f):
    """What a reader checks of one field after every field was read, in field order."""
    n, m = f["name"], member(f)
    kind, inner = parse_type(f["type"])
    out = []
    if "enum" in f and kind != "list":
        out.append(f"  out->{m} = static_cast<{f['enum']}>({n});")
    if "cpp_type" in f:
        out.append(f"  out->{m} = static_cast<{f['cpp_type']}>({n});")
    if f.get("min_bytes") and (kind, inner) == ("scalar", "str"):
        out.append(f'  if (out->{m}.empty()) return field_error("{n}", "must not be empty");')
    if f.get("min_items") and kind == "list":
        if f["min_items"] != 1:
            raise SchemaError(f"field {n}: only min_items = 1 is generated for C++")
        out.append(f'  if (out->{m}.empty()) return field_error("{n}", "must not be empty");')
    if "values" in f:
        v = n if "cpp_flag" in f else f"out->{m}"
        test = " && ".join(f'{v} != "{x}"' for x in f["values"])
        optional = f.get("need") != "req"
        if optional:
            test = f"!{v}.empty() && {test}"  # absent: its default
        out.append(f'  if ({test}) return field_error("{n}", "must be {quoted_names(f["values"])}");')
        if "cpp_flag" in f:
            flag = f'{n} == "{f["cpp_flag"]}"'
            if optional:
                absent = "true" if f.get("default") == f["cpp_flag"] else "false"
                flag = f"{n}.empty() ? {absent} : {flag}"
            out.append(f'  out->{m} = {flag};')
    if kind == "scalar" and inner in ("any", "map") and "max_bytes" in f:
        mx = cpp_bound(schema, f["max_bytes"])
        out.append(f"  // Only a value that could be near the bound is encoded to measure it.")
        out.append(f"  if (!(out->{m}.is_null() || out->{m}.is_number() || out->{m}.is_boolean()) &&")
        out.append(f"      encode_value(out->{m}).size() > {mx}) {{")
        out.append(f'    return make_error(ErrorCode::TOO_LARGE, "field \'{n}\': larger than " + std::to_string({mx}) + " bytes");')
        out.append("  }")
    return out


def render_reader(schema, owner, name, fn, arg, obj):
    fields = cpp_fields(schema, owner)
    temps = [t for t in (temp_of(f) for f in fields) if t]
    lines = [cpp_reader_line(schema, f, obj) for f in fields]
    in_place = obj and "cpp_base" not in owner and fn == "from_json"  # records only, not messages
    prologue = []
    if in_place:
        prologue = [f"Result<{name}> {name}::from_object(const msgpack::object& o) {{", f"  {name} m;",
                    "  if (auto s = read_object(o, m); !s) return s.error();", "  return m;", "}", ""]
    if obj:
        head = (f"Status {name}::read_object(const msgpack::object& o, {name}& m) {{" if in_place
                else f"Result<{name}> {name}::from_object(const msgpack::object& o) {{")
        out = prologue + [head,
               '  if (o.type != msgpack::type::MAP) return make_error(ErrorCode::MALFORMED, "body is not a map");']
        if "cpp_base" in owner:
            base = cpp_name(schema, owner["extends"])
            out.append(f"  auto base = {base}::from_object(o);  // its {owner['extends']} fields first, their error as it is")
            out.append("  if (!base) return base.error();")
        names = ", ".join(f'"{f["name"]}"' for f in fields)
        out.append(f"  static const char* const kNames[] = {{{names}}};")
        out.append(f"  packed::FieldSet<{len(fields)}> f(kNames, o);")
        if not in_place:
            out.append(f"  {name} m;")
        out += [f"  {t}" for t in temps]
        out.append("  packed::ObjFields r;")
        out += [f"  {l.format(i=i)}" for i, l in enumerate(lines) if l]
        out.append("  if (!r.ok()) return r.error();")
        out.append(f"  {name}* out = &m;" if in_place else f"  Result<{name}> out(std::move(m));")
    else:
        out = [f"Result<{name}> {name}::{fn}(const Json& {arg}) {{"]
        if "cpp_base" in owner:
            base = cpp_name(schema, owner["extends"])
            out.append(f"  auto base = {base}::from_json({arg});  // its {owner['extends']} fields first, their error as it is")
            out.append("  if (!base) return base.error();")
        out += [f"  {t}" for t in temps]
        body = [f"    {l}" for l in lines if l]
        cap = "&" if temps else ""
        if body:
            out.append(f"  auto out = read_fields<{name}>({arg}, [{cap}](Fields& f, {name}& m) {{")
            out += body
            out.append("  });")
        else:
            out.append(f"  auto out = read_fields<{name}>({arg}, [](Fields&, {name}&) {{}});")
    after = [cpp_after_line(schema, f, f"f.value[{i}]" if obj else arg, obj)
             for i, (f, l) in enumerate(zip(fields, lines)) if l is None]
    for f in fields:
        after += cpp_check_lines(schema, f)
    if "cpp_base" in owner:
        after.append(f"  out->{owner['cpp_base']} = std::move(*base);")
    if "check" in owner:
        after.append(f"  if (auto s = {owner['check']}(*out); !s) return s.error();")
    if after and not obj:
        out.append("  if (!out) return out;")
    out += after
    out += ["  return {};" if in_place else "  return out;", "}", ""]
    return out


def omitted_test(f):
    """The C++ test that a field is written, for an omit_empty field."""
    m = member(f)
    kind, inner = parse_type(f["type"])
    if "enum" in f:
        return f"static_cast<int>({m}) != 0"
    if kind == "scalar" and inner in ("int", "num"):
        return f"{m} != 0"
    if kind == "scalar" and inner == "bool":
        return m
    if kind == "scalar" and inner in ("any", "map"):
        return f"!{m}.is_null()"
    return f"!{m}.empty()"


def write_condition(f):
    """The C++ condition under which the writers write a field, or None: always."""
    conds = []
    if f.get("omit_empty"):
        conds.append(omitted_test(f))
    if f.get("cpp_optional"):
        conds.append(member(f))
    if "write_if" in f:
        conds.append(f["write_if"])
    if not conds:
        return None
    return " && ".join(f"({c})" if len(conds) > 1 else c for c in conds)


def cpp_writer_value(f):
    m = member(f)
    kind, inner = parse_type(f["type"])
    if kind == "list" and inner == "int" and "enum" in f:
        return f"ints_to_json({m})"
    if "enum" in f:
        return f"static_cast<int>({m})"
    if "cpp_flag" in f:
        other = [v for v in f["values"] if v != f["cpp_flag"]][0]
        return f'{m} ? "{f["cpp_flag"]}" : "{other}"'
    if f["type"].endswith(":Counts}"):
        return f"counts_map_to_json({m})"
    if kind == "list" and inner not in ("str", "int"):
        return f"rows_to_json(*{m})" if f.get("cpp_optional") else f"rows_to_json({m})"
    if kind == "record" and f["type"] != "Counts":
        return f"{m}->to_json()" if f.get("cpp_optional") else f"{m}.to_json()"
    if f.get("null_as_empty"):
        return f"null_as_object({m})"
    return m


def packed_writer_lines(schema, f):
    m, n = member(f), f["name"]
    kind, inner = parse_type(f["type"])
    key = f'w.key("{n}"), '
    if "enum" in f and kind == "list":
        raise SchemaError(f"field {n}: an [int] has no packed writer")
    if "enum" in f:
        return [f"{key}w.integer(static_cast<int>({m}));"]
    if "cpp_flag" in f:
        return [f"{key}w.str({cpp_writer_value(f)});"]
    if kind == "scalar":
        fn = {"str": "str", "int": "integer", "num": "number", "bool": "boolean", "any": "json", "map": "json"}[inner]
        return [f"{key}w.{fn}({cpp_writer_value(f) if f.get('null_as_empty') else m});"]
    if kind == "list" and inner == "str":
        return [f"{key}w.str_list({m});"]
    if kind == "list" and inner in schema["records"]:
        return [f"{key}w.array({m}.size());", f"for (const auto& x : {m}) x.write_packed(w);"]
    if kind == "record":
        return [f"w.key(\"{n}\");", f"{m}.write_packed(w);"]
    raise SchemaError(f"field {n}: {f['type']} has no packed writer")


def packed_key_order(owner, fields):
    """The fields in the order the packed writer writes their keys."""
    if owner.get("packed_keys") == "sorted":
        # nlohmann's order (its maps are sorted by key): the bytes of encode_value(to_body()),
        # numbers aside (a num is always float64 here, where nlohmann may pick float32).
        return sorted(fields, key=lambda f: f["name"].encode())
    if owner.get("packed_keys") == "fixed_first":
        # the keys always written first, then those written under a condition, each in schema order
        return sorted(fields, key=lambda f: bool(write_condition(f)))
    return fields


def packed_parts(schema, owner, name, ref=False):
    """(the map's size as a C++ expression, the lines writing its keys) of a packed writer; ref:
    over the members of its cpp_ref struct (cpp_ref_omittable ones are pointers)."""
    fields = written_fields(cpp_fields(schema, owner))
    for f in fields:
        if f.get("cpp_optional"):
            raise SchemaError(f"{name}: cpp_optional has no packed writer")
    if "cpp_base" in owner and not ref:
        raise SchemaError(f"{name}: cpp_base is packed through cpp_ref")
    omit = owner.get("cpp_ref_omittable", []) if ref else []
    size, lines = [], []
    if "cpp_base" in owner:
        size.append(f"{owner['cpp_base']}.packed_size()")
        lines.append(f"{owner['cpp_base']}.write_packed_fields(w);")
    fixed = 0
    for f in packed_key_order(owner, fields):
        cond = write_condition(f)
        body = packed_writer_lines(schema, f)
        if f["name"] in omit:
            if cond:
                raise SchemaError(f"{name}: field {f['name']} in cpp_ref_omittable has a write condition")
            cond = member(f)
            body = packed_writer_lines(schema, dict(f, cpp_member=f"(*{member(f)})"))
        if cond:
            size.append(f"({cond} ? 1u : 0u)")
            lines.append(f"if ({cond}) {{")
            lines += [f"  {l}" for l in body]
            lines.append("}")
        else:
            fixed += 1
            lines += body
    return " + ".join([f"{fixed}u"] + size), lines


def render_packed_writer(schema, owner, name, head):
    if "cpp_ref" in owner:
        return render_ref_writer(schema, owner, name, head)
    size, lines = packed_parts(schema, owner, name)
    out = [head, "  MsgWriter w;"] if head.startswith("std::string") else [head]
    if is_extended(schema, owner):
        out += [f"  w.map(packed_size());", "  write_packed_fields(w);", "}", ""]
        out += [f"std::size_t {name}::packed_size() const {{", f"  return {size};", "}", ""]
        out += [f"void {name}::write_packed_fields(MsgWriter& w) const {{"]
    else:
        out.append(f"  w.map({size});")
    out += [f"  {l}" for l in lines]
    if head.startswith("std::string"):
        out.append("  return w.take();")
    out += ["}", ""]
    return out


def render_ref_writer(schema, owner, name, head):
    """A record with cpp_ref: its write_packed goes through the Ref, whose writer is the one."""
    if not head.startswith("void"):
        raise SchemaError(f"{name}: cpp_ref is for records")
    omit = owner.get("cpp_ref_omittable", [])
    args = []
    if "cpp_base" in owner:
        args.append(owner["cpp_base"])
    for f in member_order(owner, declared_fields(schema, owner)):
        args.append(f"&{member(f)}" if f["name"] in omit else member(f))
    ref = ref_name(owner)
    out = [head, f"  {ref}{{{', '.join(args)}}}.write_packed(w);", "}", ""]
    size, lines = packed_parts(schema, owner, name, ref=True)
    out += [f"void {ref}::write_packed(MsgWriter& w) const {{", f"  w.map({size});"]
    out += [f"  {l}" for l in lines]
    out += ["}", ""]
    return out


def render_cpp_family_source(schema, family):
    enums, recs, msgs = family_members(schema, family)
    packed = packed_records(schema, family)
    any_packed = bool(packed) or any(m.get("packed") for m in msgs)
    out = [
        "// Generated from common/protocol.toml by scripts/gen_protocol.py: do not edit.",
        f'#include "common/{family}_messages.h"',
        "",
    ]
    if any(e.get("parse") for e in enums):
        out += ["#include <cctype>", ""]
    out.append('#include "common/fields.h"')
    if any_packed:
        out += ['#include "common/msg_writer.h"', '#include "common/object_fields.h"', '#include "common/packed_rows.h"']
    out += ["", "namespace orion {", ""]
    for e in enums:
        out += render_cpp_enum_def(e)
    for owner, is_msg in [(r, False) for r in recs] + [(m, True) for m in msgs]:
        name = owner["cpp"]
        write, read, arg = ("to_body", "from_body", "b") if is_msg else ("to_json", "from_json", "j")
        fields = fields_of(schema, owner)
        out.append(f"Json {name}::{write}() const {{")
        if "cpp_base" in owner:
            out.append(f"  Json out = {owner['cpp_base']}.to_json();")
            fields = cpp_fields(schema, owner)
        else:
            out.append("  Json out = Json::object();")
        for f in written_fields(fields):
            line = f'out["{f["name"]}"] = {cpp_writer_value(f)};'
            cond = write_condition(f)
            out.append(f"  if ({cond}) {line}" if cond else f"  {line}")
        out += ["  return out;", "}", ""]
        out += render_reader(schema, owner, name, read, arg, obj=False)
        if is_msg and owner.get("packed"):
            out += render_packed_writer(schema, owner, name, f"std::string {name}::to_packed() const {{")
            out += [f"Result<{name}> {name}::from_packed(std::string_view body) {{",
                    "  auto h = packed::unpack_map_body(body, /*borrow=*/true);  // every value is copied out",
                    "  if (!h) return h.error();",
                    "  return from_object(h->get());", "}", ""]
            out += render_reader(schema, owner, name, read, arg, obj=True)
        elif owner["name"] in packed:
            out += render_packed_writer(schema, owner, name, f"void {name}::write_packed(MsgWriter& w) const {{")
            out += render_reader(schema, owner, name, read, arg, obj=True)
    out += ["}  // namespace orion", ""]
    return "\n".join(out)


def families(schema):
    fams = {r["family"] for r in schema["records"].values() if "family" in r}
    fams |= {e["family"] for e in schema["enums"].values() if "family" in e}
    fams |= {m["family"] for m in schema["messages"] if "family" in m}
    return sorted(fams)


def cpp_outputs(schema, cpp_dir):
    files = {os.path.join(cpp_dir, "protocol_schema.h"): render_cpp(schema)}
    for fam in families(schema):
        files[os.path.join(cpp_dir, "gen", f"{fam}_messages.h")] = render_cpp_family_header(schema, fam)
        files[os.path.join(cpp_dir, "gen", f"{fam}_messages.cpp")] = render_cpp_family_source(schema, fam)
    return files


# ---- Python ------------------------------------------------------------------------------------

def py_value(schema, v):
    if isinstance(v, str) and (v in schema["const"] or v == "INT64_MAX"):
        return v
    return repr(v)


def render_py_field(schema, f):
    kind, inner = parse_type(f["type"])
    args = [repr(f["name"]), repr(kind), repr(inner), "True" if f.get("need") == "req" else "False"]
    kw = []
    for key in ("min", "max", "min_bytes", "max_bytes", "min_items", "max_items"):
        if key in f:
            kw.append(f"{key}={py_value(schema, f[key])}")
    if "default" in f:
        kw.append(f"default={f['default']!r}")
    elif kind == "list":
        kw.append("default=[]")
    return f"    Field({', '.join(args + kw)}),"


def render_py(schema):
    out = [
        '"""Generated from common/protocol.toml by scripts/gen_protocol.py: do not edit.',
        "",
        "The ORION/1 message types, wire bounds, and the fields of every body and record:",
        "orion_sdk.messages reads and checks bodies with these lists.",
        '"""',
        "",
        "import enum",
        "from collections import namedtuple",
        "",
        "INT64_MAX = (1 << 63) - 1",
        "",
        "# ---- wire bounds ----",
    ]
    for c in schema["constants"]:
        out.append(f"{c['name']} = {c['value']:_}  # {c['doc']}")
    out += [
        "",
        "",
        "class MsgType(enum.IntEnum):",
        '    """Message types (protocol.md sections 4, 13.2 and 14). Frozen: never renumbered. A type',
        '    not listed here decodes as UNKNOWN_TYPE."""',
        "",
    ]
    for m in sorted(schema["messages"], key=lambda m: m["type"]):
        out.append(f"    {m['name']} = {m['type']}")
    out += ["", ""]
    hot = sorted(m["name"] for m in schema["messages"] if m.get("hot"))
    out.append("HOT_PATH = frozenset({" + ", ".join(f"MsgType.{n}" for n in hot) + "})")
    out += [
        "",
        "# A field: kind is scalar, record, list or map; inner the scalar or record name (of the items,",
        "# for list and map); min/max bound an int or num (of the items, for a list of int); min_bytes and",
        "# max_bytes a str (max_bytes: the encoded size of an any or map); max_items a list or map.",
        'Field = namedtuple("Field", "name kind inner required min max min_bytes max_bytes min_items max_items default",',
        "                   defaults=(None, None, None, None, None, None, None))",
        "",
        "RECORDS = {",
    ]
    for name, r in schema["records"].items():
        out.append(f"    {name!r}: (")
        for f in fields_of(schema, r):
            out.append("    " + render_py_field(schema, f))
        out.append("    ),")
    out += ["}", "", "BODIES = {"]
    by_name = {m["name"]: m for m in schema["messages"]}
    for m in sorted(schema["messages"], key=lambda m: m["type"]):
        if m["type"] == 0:
            continue
        src = by_name[m["same_as"]] if "same_as" in m else m
        out.append(f"    MsgType.{m['name']}: (")
        for f in fields_of(schema, src):
            out.append("    " + render_py_field(schema, f))
        out.append("    ),")
    out += ["}", ""]
    return "\n".join(out)


# ---- main --------------------------------------------------------------------------------------

def outputs(schema):
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    return {DOC: render_doc(schema, doc), PY_OUT: render_py(schema)}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cpp-dir", metavar="DIR",
                    help="write protocol_schema.h and gen/FAMILY_messages.{h,cpp} under DIR")
    ap.add_argument("--check", action="store_true", help="fail when a checked-in output differs")
    ap.add_argument("--write", action="store_true", help="rewrite the checked-in outputs")
    args = ap.parse_args(argv)
    try:
        schema = load()
    except (SchemaError, tomllib.TOMLDecodeError, KeyError) as e:
        print(f"gen_protocol: {SCHEMA}: {e}", file=sys.stderr)
        return 2
    status = 0
    if args.cpp_dir:
        try:
            files = cpp_outputs(schema, args.cpp_dir)
        except SchemaError as e:
            print(f"gen_protocol: {e}", file=sys.stderr)
            return 2
        for path, text in files.items():
            old = None
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    old = f.read()
            if old != text:  # unchanged content keeps its timestamp: nothing recompiles
                os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
    if args.check or args.write:
        try:
            wanted = outputs(schema)
        except SchemaError as e:
            print(f"gen_protocol: {e}", file=sys.stderr)
            return 2
        for path, text in wanted.items():
            have = ""
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    have = f.read()
            if have == text:
                continue
            rel = os.path.relpath(path, ROOT)
            if args.write:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
                print(f"gen_protocol: wrote {rel}")
            else:
                status = 1
                diff = difflib.unified_diff(have.splitlines(), text.splitlines(), f"{rel} (checked in)",
                                            f"{rel} (generated)", lineterm="", n=1)
                print("\n".join(list(diff)[:80]))
                print(f"gen_protocol: {rel} differs from common/protocol.toml; run "
                      f"python3 scripts/gen_protocol.py --write", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
