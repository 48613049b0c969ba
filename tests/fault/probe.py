"""A client inside a host's network namespace, driven by the test over a pipe.

A ZeroMQ socket opens its TCP connections from the namespace of the process (its I/O thread), so
a client "on host h1" must be a process started with `ip netns exec`. This file is that process
(run as a script) and the handle the test holds on it (Probe). One JSON object a line each way:

    {"op": "ask", "endpoint": E, "requests": [R...], "timeout_ms": T}   one fresh DEALER
    {"op": "open", "sock": S, "endpoint": E}                           a DEALER kept as S
    {"op": "send", "sock": S, "requests": [R...]}
    {"op": "collect", "sock": S, "timeout_ms": T, "want": [rid...]}    what arrived on S
    R = {"type": int, "rid": str, "body": {...}}
    answer: {"ok": true, "replies": [{"rid", "type", "body"}...]} or {"ok": false, "error": str}

ask and collect return every reply that arrives within timeout_ms, and return early once each
rid asked for (ask: every request's; collect: `want`, when given) has its reply. Replies are
kept in arrival order; nothing is retried (the test decides what a missing answer means).
"""

import json
import os
import select
import subprocess
import sys
import time

ANSWER_SLACK_S = 5.0  # beyond a command's own timeout_ms, for the probe process to answer


def _serve(sdk_dir):
    sys.path.insert(0, sdk_dir)
    import zmq
    from orion_sdk.protocol import Envelope, OrionError, decode_frames, encode_frames

    ctx = zmq.Context()
    socks = {}

    def dealer(endpoint):
        s = ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        s.connect(endpoint)
        return s

    def send(s, requests):
        for r in requests:
            s.send_multipart(encode_frames(Envelope(r["type"], r["rid"], r.get("body") or {})))

    def collect(s, timeout_ms, want):
        replies, missing = [], set(want or ())
        deadline = time.monotonic() + timeout_ms / 1000.0
        while not (want and not missing):
            left_ms = max(0, int((deadline - time.monotonic()) * 1000))
            if not s.poll(left_ms, zmq.POLLIN):
                if left_ms == 0:
                    break
                continue
            frames = s.recv_multipart()
            try:
                e = decode_frames(frames)
            except OrionError as err:
                replies.append({"rid": err.request_id.decode(errors="replace"), "type": -1, "body": {"error": str(err)}})
                continue
            rid = e.request_id.decode(errors="replace")
            missing.discard(rid)
            replies.append({"rid": rid, "type": int(e.type), "body": e.body})
        return replies

    for line in sys.stdin:
        try:
            c = json.loads(line)
            op = c["op"]
            if op == "ask":
                s = dealer(c["endpoint"])
                try:
                    send(s, c["requests"])
                    out = collect(s, c["timeout_ms"], [r["rid"] for r in c["requests"]])
                finally:
                    s.close()
            elif op == "open":
                socks[c["sock"]] = dealer(c["endpoint"])
                out = []
            elif op == "send":
                send(socks[c["sock"]], c["requests"])
                out = []
            elif op == "collect":
                out = collect(socks[c["sock"]], c["timeout_ms"], c.get("want"))
            else:
                raise ValueError("unknown op " + op)
            answer = {"ok": True, "replies": out}
        except Exception as e:  # reported to the test, which fails with it
            answer = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(answer, default=repr) + "\n")
        sys.stdout.flush()


class Probe:
    """The test's handle on one probe process in namespace host (net.exec_argv). Every call
    is bounded: its timeout_ms plus ANSWER_SLACK_S, else RuntimeError."""

    def __init__(self, net, host, sdk_dir, log_path):
        self.host = host
        self._log = open(log_path, "ab")
        argv = net.exec_argv(host, [sys.executable, os.path.abspath(__file__), "--serve", sdk_dir])
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log)
        self._buf = b""

    def _call(self, cmd, timeout_ms=0):
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout_ms / 1000.0 + ANSWER_SLACK_S
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("probe on %s did not answer %s" % (self.host, cmd["op"]))
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise RuntimeError("probe on %s exited (status %s)" % (self.host, self.proc.poll()))
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        answer = json.loads(line)
        if not answer["ok"]:
            raise RuntimeError("probe on %s: %s" % (self.host, answer["error"]))
        return answer["replies"]

    def ask(self, endpoint, requests, timeout_ms):
        return self._call({"op": "ask", "endpoint": endpoint, "requests": requests, "timeout_ms": timeout_ms}, timeout_ms)

    def ask_one(self, endpoint, type_, rid, body, timeout_ms):
        """The reply to one request, or None when none came within timeout_ms."""
        replies = self.ask(endpoint, [{"type": int(type_), "rid": rid, "body": body}], timeout_ms)
        return next((r for r in replies if r["rid"] == rid), None)

    def open(self, sock, endpoint):
        self._call({"op": "open", "sock": sock, "endpoint": endpoint})

    def send(self, sock, requests):
        self._call({"op": "send", "sock": sock, "requests": requests})

    def collect(self, sock, timeout_ms, want=None):
        return self._call({"op": "collect", "sock": sock, "timeout_ms": timeout_ms, "want": want}, timeout_ms)

    def close(self):
        """Ends the probe (its stdin closes; killed if it lingers)."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=2)
        except Exception:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self._log.close()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        _serve(sys.argv[2])
    else:
        sys.exit("usage: probe.py --serve SDK_DIR (started by the fault tests)")
