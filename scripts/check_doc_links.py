#!/usr/bin/env python3
"""Checks every relative link of README.md and docs/**/*.md: the file exists, and an anchor
(`page.md#section`) names a heading of that page, as GitHub makes anchors from headings.

    python3 scripts/check_doc_links.py          # exit 1, listing each broken link

Links to http(s) and mailto are not followed. Standard library only.
"""

import glob
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~)")


def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip()).lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def outside_code(path):
    """The lines of a Markdown file outside fenced code blocks."""
    lines, fenced = [], False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if FENCE.match(line.lstrip()):
                fenced = not fenced
                continue
            if not fenced:
                lines.append(line)
    return lines


def anchors(path):
    seen, out = {}, set()
    for line in outside_code(path):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        s = slug(m.group(1))
        n = seen.get(s, 0)
        seen[s] = n + 1
        out.add(s if n == 0 else f"{s}-{n}")
    return out


def main():
    pages = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "**", "*.md"),
                                                                  recursive=True))
    broken, checked = [], 0
    for page in pages:
        for number, line in enumerate(outside_code(page), 1):
            for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
                if re.match(r"^[a-z]+:", target):
                    continue
                checked += 1
                path, _, anchor = target.partition("#")
                full = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
                where = f"{os.path.relpath(page, ROOT)}: {target}"
                if not os.path.exists(full):
                    broken.append(f"{where}: no such file")
                elif anchor and full.endswith(".md") and anchor not in anchors(full):
                    broken.append(f"{where}: no heading #{anchor} in {os.path.relpath(full, ROOT)}")
    for b in broken:
        print(b)
    print(f"{checked} relative links in {len(pages)} pages, {len(broken)} broken", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
