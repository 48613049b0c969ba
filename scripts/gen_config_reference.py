#!/usr/bin/env python3
"""Writes the configuration reference of docs/operations.md from the binaries' own --help.

    python3 scripts/gen_config_reference.py --write BINARY...   # rewrite the reference
    python3 scripts/gen_config_reference.py --check BINARY...   # exit 1 when it differs
    python3 scripts/gen_config_reference.py --print BINARY...   # print it

BINARY is the path of orion-registry, orion-scheduler, orion-consensus, orion-dashboard or
orion-example-agent (for instance build/bin/orion-registry); each is run with --help, and its
options become one table: flag, default, environment variable (when the help names one) and
description. The tables go between `<!-- generated:config-reference -->` and
`<!-- end generated -->` in docs/operations.md; everything outside the markers is left alone.
A binary's order on the command line does not matter: the tables follow ORDER.
Standard library only.
"""

import argparse
import difflib
import os
import re
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DOC = os.path.join(ROOT, "docs", "operations.md")
BEGIN = "<!-- generated:config-reference -->"
END = "<!-- end generated -->"
ORDER = ["orion-registry", "orion-scheduler", "orion-consensus", "orion-dashboard", "orion-example-agent"]
HELP_TIMEOUT_S = 20

# An option line of cxxopts' help: "  -h, --help   text" or "      --bind arg   text"; a long
# option name may stand alone on its line, its text on the next ones.
OPTION = re.compile(r"^\s+(?:-\w, )?--([\w-]+)( arg)?(?:\s{2,}(.*))?$")


class ReferenceError(Exception):
    pass


def run_help(path):
    try:
        out = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=HELP_TIMEOUT_S,
                             env={**os.environ, "COLUMNS": "80"})
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ReferenceError(f"{path} --help: {e}")
    if out.returncode != 0:
        raise ReferenceError(f"{path} --help exited {out.returncode}: {out.stderr.strip()}")
    return out.stdout


def parse_help(text):
    """The options of one --help text: [(flag, takes_value, description)] in their order."""
    options, current = [], None
    for line in text.splitlines():
        m = OPTION.match(line)
        if m:
            current = [m.group(1), bool(m.group(2)), (m.group(3) or "").strip()]
            options.append(current)
        elif current is not None and line.strip():
            current[2] = (current[2] + " " + line.strip()).strip()
        else:
            current = None
    if not options:
        raise ReferenceError("no options found in the help text")
    return [tuple(o) for o in options]


def split_description(text):
    """(description, env, default) from a cxxopts description: '... (env X) (default: Y)'.

    Read from the right, since a description may itself say "(default: ...)" in its words."""
    desc, env, default = text.strip(), "", ""
    at = desc.rfind("(default: ")
    if at >= 0 and desc.endswith(")"):
        desc, default = desc[:at].rstrip(), desc[at + len("(default: "):-1]
    m = re.search(r"\(env (ORION_[A-Z0-9_]+)\)$", desc)
    if m:
        desc, env = desc[:m.start()].rstrip(), m.group(1)
    if default == '""':
        default = "(empty)"
    return desc, env, default


def cell(s):
    return s.replace("|", "\\|")


def table(name, help_text):
    rows = ["| flag | default | environment | description |", "| --- | --- | --- | --- |"]
    for flag, takes_value, text in parse_help(help_text):
        if flag in ("help", "version"):
            continue
        desc, env, default = split_description(text)
        # The example agent's default id names the host it runs on: the same reference everywhere.
        if name == "orion-example-agent" and flag == "id" and default.startswith("example-"):
            default = "example-<hostname>"
        shown_default = f"`{default}`" if default and default != "(empty)" else default
        if not takes_value and not default:
            shown_default = "off"
        rows.append(f"| `--{flag}` | {cell(shown_default)} | {f'`{env}`' if env else ''} | {cell(desc)} |")
    first = help_text.splitlines()[0].strip() if help_text.strip() else name
    return f"### `{name}`\n\n{first}.\n\n" + "\n".join(rows) + "\n"


def reference(binaries):
    by_name = {}
    for path in binaries:
        name = os.path.basename(path)
        if name not in ORDER:
            raise ReferenceError(f"{path}: not one of {', '.join(ORDER)}")
        by_name[name] = path
    missing = [n for n in ORDER if n not in by_name]
    if missing:
        raise ReferenceError("missing binaries: " + ", ".join(missing))
    parts = [table(name, run_help(by_name[name])) for name in ORDER]
    header = ("Generated from each binary's `--help` by `scripts/gen_config_reference.py`; the ctest "
              "`ConfigReference.matches_binaries` fails when it differs. Every flag's environment "
              "variable sets its default; a flag given on the command line wins.\n")
    return header + "\n" + "\n".join(parts)


def splice(doc, generated):
    start = doc.find(BEGIN)
    if start < 0:
        raise ReferenceError(f"{DOC}: no {BEGIN} marker")
    end = doc.find(END, start)
    if end < 0:
        raise ReferenceError(f"{DOC}: no {END} after {BEGIN}")
    return doc[:start + len(BEGIN)] + "\n" + generated + doc[end:]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="rewrite the reference in docs/operations.md")
    mode.add_argument("--check", action="store_true", help="exit 1 when docs/operations.md differs")
    mode.add_argument("--print", action="store_true", help="print the reference")
    ap.add_argument("--doc", default=DOC, help="the page holding the markers (default docs/operations.md)")
    ap.add_argument("binaries", nargs="+", help="paths of the five binaries")
    args = ap.parse_args(argv)
    try:
        generated = reference(args.binaries)
        if args.print:
            sys.stdout.write(generated)
            return 0
        with open(args.doc, encoding="utf-8") as f:
            doc = f.read()
        new = splice(doc, generated)
    except ReferenceError as e:
        print(f"gen_config_reference: {e}", file=sys.stderr)
        return 2
    if args.write:
        if new != doc:
            with open(args.doc, "w", encoding="utf-8") as f:
                f.write(new)
        return 0
    if new != doc:
        diff = difflib.unified_diff(doc.splitlines(), new.splitlines(), "checked in", "from the binaries",
                                    lineterm="", n=1)
        print("\n".join(list(diff)[:80]), file=sys.stderr)
        print("gen_config_reference: docs/operations.md's configuration reference differs from the binaries' "
              "--help; run: python3 scripts/gen_config_reference.py --write build/bin/orion-registry "
              "build/bin/orion-scheduler build/bin/orion-consensus build/bin/orion-dashboard "
              "build/bin/orion-example-agent", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
