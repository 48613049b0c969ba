#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpus (corpus/<target>/<name>): a few valid bodies of each
decoder's messages and a few broken ones, in msgpack. Run it again after changing a seed; the
files are committed, so CI needs nothing but this directory."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def pack(v):
    """A minimal msgpack encoder: enough for seeds (no floats beyond float64, no ext)."""
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        if 0 <= v < 128:
            return bytes([v])
        if -32 <= v < 0:
            return struct.pack("b", v)
        return b"\xd3" + struct.pack(">q", v) if v < 0 else b"\xcf" + struct.pack(">Q", v)
    if isinstance(v, float):
        return b"\xcb" + struct.pack(">d", v)
    if isinstance(v, str):
        b = v.encode()
        return (bytes([0xA0 | len(b)]) if len(b) < 32 else b"\xdb" + struct.pack(">I", len(b))) + b
    if isinstance(v, bytes):
        return b"\xc6" + struct.pack(">I", len(v)) + v
    if isinstance(v, list):
        return b"\xdd" + struct.pack(">I", len(v)) + b"".join(pack(x) for x in v)
    if isinstance(v, dict):
        return b"\xdf" + struct.pack(">I", len(v)) + b"".join(pack(k) + pack(x) for k, x in v.items())
    raise TypeError(type(v))


SPEC = {"name": "resize", "type": "image.resize", "required_capabilities": ["gpu"], "priority": 3,
        "timeout_ms": 60000, "input": {"url": "s3://b/k", "sizes": [64, 128]}, "metadata": {"team": "a"},
        "retry": {"max_retries": 2, "backoff": 1, "initial_ms": 100}, "depends_on": ["t1"]}
VIEW = {"task_id": "t7", "spec": SPEC, "state": 4, "attempt": 1, "agent_id": "a1", "output": {"ok": 1},
        "created_ms": 1700000000000, "history": [{"state": 1, "ts_ms": 1}]}
AGENT = {"agent_id": "a1", "capabilities": ["gpu", "cpu"], "capacity": 4, "labels": {"zone": "eu"},
         "vote_weight": 1, "public_key": b"\x01" * 32}
BROKEN = [b"", b"\xc1", b"\x81\xa1k", b"\xdf\x00\x10\x00\x00\xa1k" * 4 + b"\xc0", b"\x91" * 40 + b"\xc0",
          b"\xdd\x00\x00\x01\x00" + b"\xc0" * 16, b"\xd4\x01\x00"]

BODIES = {
    "messages": [{"task": SPEC}, {"task_id": "t7", "timeout_ms": 100}, {"task_ids": ["t1", "t2"], "timeout_ms": 5},
                 {"agent": AGENT}, {"agent_id": "a1", "running": [{"task_id": "t7", "attempt": 1}]},
                 {"task": VIEW}, {"tasks": [VIEW], "next": ""}, {"states": [1, 2], "limit": 10, "after": "t3"},
                 {"topic": "task.completed", "publisher": "scheduler", "epoch": 1, "seq": 9, "ts_ms": 5,
                  "data": {"task_id": "t7"}},
                 {"task_id": "t7", "attempt": 1, "ok": True, "output": {"x": 1}}],
    "consensus_messages": [{"proposal_id": "p1", "type": 1, "voters": ["a1", "a2"], "data": {"x": 1},
                            "timeout_ms": 1000},
                           {"proposal_id": "p1", "voter": "a1", "vote": True, "signature": b"\x02" * 64},
                           {"proposal_id": "p1", "timeout_ms": 10},
                           {"name": "lease", "holder": "s1", "ttl_ms": 1000}],
    "workflow_messages": [{"workflow": {"name": "w", "steps": [{"name": "a", "type": "t"}]}},
                          {"workflow_id": "w1"}, {"workflow_id": "w1", "reason": "x"}],
    "batch_decode": [{"tasks": [{"key": "k1", "task": SPEC}, {"key": "k2", "task": dict(SPEC, depends_on=["k1"])}]},
                     {"tasks": [{"key": "k1", "task": SPEC}],
                      "consensus": {"type": 1, "voters": ["a1"], "timeout_ms": 1000}}],
    "task_list_decode": [{"tasks": [VIEW, dict(VIEW, task_id="t8", state=1)], "next": "t8"}, {"tasks": []}],
    "agent_channel_decode": [{"task_id": "t7", "attempt": 1, "type": "x", "input": {"a": [1]}, "deps": {"t1": 2}},
                             {"task_id": "t7", "attempt": 1, "progress": 50.5, "message": "half"},
                             {"task_id": "t7", "attempt": 2, "ok": False, "error": "boom"}],
    "workflow_spec": [{"name": "w", "steps": [
        {"name": "a", "type": "t", "input": {"v": 1}},
        {"name": "b", "type": "t", "depends_on": ["a"], "input": {"x": "${steps.a.output.y.0}", "t": "n=${steps.a.output}"}}],
        "consensus": {"type": 1, "voters": ["a1"], "timeout_ms": 1000}}],
}


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    for target, bodies in BODIES.items():
        for i, b in enumerate(bodies):
            write(target, "seed-%02d" % i, pack(b))
        for i, b in enumerate(BROKEN):
            write(target, "broken-%02d" % i, b)
    sep = b"\n--\n"
    write("envelope", "submit", sep.join([b"ORION/1", bytes([30]), b"req-1", pack({"task": SPEC})]))
    write("envelope", "routed-error", sep.join([b"ORION/1", bytes([1]), b"r", pack({"code": 7, "message": "m"})]))
    write("envelope", "old-version", sep.join([b"ORION/0", bytes([30]), b"r", b"\x80"]))
    write("envelope", "five-frames", sep.join([b"ORION/1", bytes([30]), b"r", b"\x80", b"x"]))


if __name__ == "__main__":
    main()
