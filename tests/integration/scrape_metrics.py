#!/usr/bin/env python3
"""Scrapes Prometheus /metrics pages and parses them with the Prometheus client's own parser.

    scrape_metrics.py http://127.0.0.1:7280 [...]

Prints one JSON object: {url: {sample name: [[labels, value], ...]}}. Exits 1 (with the reason
on stderr) when a page does not answer 200 or does not parse, or a family's samples do not
carry its name. The parser is python3-prometheus-client's, not ours.
"""
import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def scrape(base):
    with urllib.request.urlopen(base + "/metrics", timeout=10) as r:
        if r.status != 200:
            raise ValueError(f"{base}/metrics answered {r.status}")
        ctype = r.headers.get("Content-Type", "")
        if not ctype.startswith("text/plain") or "version=0.0.4" not in ctype:
            raise ValueError(f"{base}/metrics: Content-Type {ctype!r} is not the text format 0.0.4")
        text = r.read().decode("utf-8")
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if not s.name.startswith(family.name):
                raise ValueError(f"sample {s.name} outside its family {family.name}")
            samples.setdefault(s.name, []).append([s.labels, s.value])
    return samples


def main():
    out = {}
    for base in sys.argv[1:]:
        try:
            out[base] = scrape(base)
        except Exception as e:  # noqa: BLE001 - any failure fails the check, with its reason
            print(f"{base}: {e}", file=sys.stderr)
            return 1
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
