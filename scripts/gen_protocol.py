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
    schema = {"constants": s.get("constants", []), "const": consts, "records": records,
              "messages": messages}
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
# and one writer each, in common/gen/F_messages.h and .cpp (build tree); the hand-written
# common/F_messages.h includes the header.

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


def cpp_type(schema, t):
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


def cpp_init(f):
    d = f.get("default")
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
    return ""


def family_members(schema, family):
    recs = [r for r in schema["records"].values() if r.get("family") == family]
    msgs = sorted((m for m in schema["messages"] if m.get("family") == family), key=lambda m: m["type"])
    return recs, msgs


def render_cpp_family_header(schema, family):
    recs, msgs = family_members(schema, family)
    out = [
        "// Generated from common/protocol.toml by scripts/gen_protocol.py: do not edit.",
        f"// The {family} messages' bodies: one struct each, with one writer and one reader.",
        "#pragma once",
        "",
        "#include <cstdint>",
        "#include <map>",
        "#include <string>",
        "#include <vector>",
        "",
        '#include "common/codec.h"',
        '#include "common/field_rows.h"',
        '#include "common/protocol_schema.h"',
        '#include "common/status.h"',
        "",
        "namespace orion {",
        "",
    ]
    for owner, is_msg in [(r, False) for r in recs] + [(m, True) for m in msgs]:
        what = f"{owner['name']} ({owner['type']})" if is_msg else f"The record {owner['name']}"
        out.append(f"// {what}: protocol.md section {owner.get('body', '?')}.")
        out.append(f"struct {owner['cpp']} {{")
        for f in fields_of(schema, owner):
            out.append(f"  {cpp_type(schema, f['type'])} {f['name']}{cpp_init(f)};  // {f['doc']}")
        if is_msg:
            out.append("  Json to_body() const;")
            out.append(f"  static Result<{owner['cpp']}> from_body(const Json& b);")
        else:
            out.append("  Json to_json() const;")
            out.append(f"  static Result<{owner['cpp']}> from_json(const Json& j);")
        out += ["};", ""]
    out += ["}  // namespace orion", ""]
    return "\n".join(out)


def cpp_reader_line(schema, f):
    """The Fields call that reads `f`, or None when a helper of field_rows.h reads it after."""
    need = "Need::REQUIRED" if f.get("need") == "req" else "Need::OPTIONAL"
    kind, inner = parse_type(f["type"])
    n = f["name"]
    if kind == "scalar":
        if inner == "str":
            mx = f", {cpp_bound(schema, f['max_bytes'])}" if "max_bytes" in f else ""
            return f'f.str("{n}", m.{n}, {need}{mx});'
        if inner == "int":
            lo = cpp_bound(schema, f["min"]) if "min" in f else "INT64_MIN"
            hi = cpp_bound(schema, f["max"]) if "max" in f else "INT64_MAX"
            return f'f.integer("{n}", m.{n}, {need}, {lo}, {hi});'
        if inner == "num":
            lo = cpp_bound(schema, float(resolve(schema, f["min"]))) if "min" in f else "-1e300"
            hi = cpp_bound(schema, float(resolve(schema, f["max"]))) if "max" in f else "1e300"
            return f'f.number("{n}", m.{n}, {need}, {lo}, {hi});'
        if inner == "bool":
            return f'f.boolean("{n}", m.{n}, {need});'
        if inner == "any":
            return f'f.any("{n}", m.{n}, {need});'
        return f'f.object("{n}", m.{n}, {need});'
    if kind == "list" and inner == "str":
        mx = f", {cpp_bound(schema, f['max_items'])}" if "max_items" in f else ""
        return f'f.str_list("{n}", m.{n}, {need}{mx});'
    if kind == "map" and inner == "str":
        mx = f", {cpp_bound(schema, f['max_items'])}" if "max_items" in f else ""
        return f'f.str_map("{n}", m.{n}, {need}{mx});'
    return None


def cpp_after_line(schema, f, src):
    """The field_rows.h call that reads a field Fields does not cover."""
    need = "Need::REQUIRED" if f.get("need") == "req" else "Need::OPTIONAL"
    n = f["name"]
    kind, inner = parse_type(f["type"])
    mx = cpp_bound(schema, f["max_items"]) if "max_items" in f else None
    if f["type"] == "Counts":
        call = f'read_counts({src}, "{n}", {mx or "kMaxStatsKeys"}, out->{n})'
    elif f["type"].endswith(":Counts}"):
        call = f'read_counts_map({src}, "{n}", {mx or "kMaxStatsKeys"}, kMaxStatsKeys, out->{n})'
    elif kind == "list" and inner == "int":
        raise SchemaError(f"field {n}: [int] is not generated for C++ yet")
    elif kind == "list":
        call = f'read_rows({src}, "{n}", {need}, {mx or "kMaxListItems"}, out->{n})'
    else:
        call = f'read_record({src}, "{n}", {need}, out->{n})'
    return f"  if (auto e = {call}) return *e;"


def cpp_writer_value(f):
    n = f["name"]
    kind, inner = parse_type(f["type"])
    if f["type"].endswith(":Counts}"):
        return f"counts_map_to_json({n})"
    if kind == "list" and inner not in ("str", "int"):
        return f"rows_to_json({n})"
    if kind == "record" and f["type"] != "Counts":
        return f"{n}.to_json()"
    return n


def render_cpp_family_source(schema, family):
    recs, msgs = family_members(schema, family)
    out = [
        "// Generated from common/protocol.toml by scripts/gen_protocol.py: do not edit.",
        f'#include "common/{family}_messages.h"',
        "",
        '#include "common/fields.h"',
        "",
        "namespace orion {",
        "",
    ]
    for owner, is_msg in [(r, False) for r in recs] + [(m, True) for m in msgs]:
        name = owner["cpp"]
        write, read, arg = ("to_body", "from_body", "b") if is_msg else ("to_json", "from_json", "j")
        fields = fields_of(schema, owner)
        out.append(f"Json {name}::{write}() const {{")
        out.append("  Json out = Json::object();")
        for f in fields:
            out.append(f'  out["{f["name"]}"] = {cpp_writer_value(f)};')
        out += ["  return out;", "}", ""]
        out.append(f"Result<{name}> {name}::{read}(const Json& {arg}) {{")
        lines = [cpp_reader_line(schema, f) for f in fields]
        body = [f"    {l}" for l in lines if l]
        if body:
            out.append(f"  auto out = read_fields<{name}>({arg}, [](Fields& f, {name}& m) {{")
            out += body
            out.append("  });")
        else:
            out.append(f"  auto out = read_fields<{name}>({arg}, [](Fields&, {name}&) {{}});")
        after = [cpp_after_line(schema, f, arg) for f, l in zip(fields, lines) if l is None]
        after += [f'  if (out->{f["name"]}.empty()) return field_error("{f["name"]}", "must not be empty");'
                  for f in fields if f.get("min_bytes") and parse_type(f["type"]) == ("scalar", "str")]
        if after:
            out.append("  if (!out) return out;")
            out += after
        out += ["  return out;", "}", ""]
    out += ["}  // namespace orion", ""]
    return "\n".join(out)


def families(schema):
    fams = {r["family"] for r in schema["records"].values() if "family" in r}
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
