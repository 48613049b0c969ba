"""One request that finds the server that serves it: the leader of a replicated service, or any
one of a list of registries (the twin of common/leader_follower.h). Client and ConsensusClient
send every request through it, so the rules of docs/protocol.md 6.1 are written once.

    ctx = zmq.Context()
    registries = Registries(ctx, "tcp://a:7100,tcp://b:7100")
    scheduler = LeaderFollower(ctx, "scheduler",
                               lambda budget_ms: registries.discover(budget_ms)["scheduler_client"])
    reply = scheduler.call(Envelope(MsgType.GET_TASK, secrets.token_hex(8), encode_value(body)))

What call() does with each answer, always resending the same envelope (the same request id, so
a server that deduplicates by request id applies a command once however often it arrives):

    reply that is not ERROR          returned
    ERROR NOT_LEADER, `leader` set   resent at once to `leader` (no pause, unless this is the 5th
                                     redirect in a row: replicas naming each other)
    ERROR NOT_LEADER, `leader` ""    pause, locate again, resend (an election is under way)
    ERROR UNAVAILABLE                pause, locate again, resend ("outcome unknown", catching up)
    any other ERROR                  raised as its OrionError
    nothing within the try's timeout new socket (drops what the old one queued), pause, locate
                                     again, resend
    locate() gives "" or raises      pause, locate again

Pauses grow from pause_initial_ms, doubling, to pause_max_ms. When call_timeout_ms has passed the
call raises OrionError UNAVAILABLE naming the service, the request type, the number of tries,
every endpoint tried with its last outcome, and the last error. Not thread-safe.
"""

import logging
import secrets
import time

import zmq

from . import protocol as p
from .protocol import ErrorCode, MsgType, OrionError
from .sockets import make_socket, send_envelope, wait_reply

MAX_ENDPOINTS_NAMED = 16     # endpoints listed in a give-up message
MAX_REDIRECTS_IN_A_ROW = 4   # named redirects followed at once; the next one pauses first

log = logging.getLogger("orion.client")


def _monotonic_ms():
    return int(time.monotonic() * 1000)


def endpoint_problem(item):
    """What is wrong with one endpoint, with the fix (None when it is tcp://HOST:PORT, ipc://PATH
    or inproc://NAME): the C++ services' and orionctl's words (common/config.cpp)."""
    scheme, sep, rest = item.partition("://")
    if not sep:
        if ":" in item and "/" not in item:
            return "has no scheme: write tcp://" + item[:64]
        return "is not an endpoint: write tcp://HOST:PORT"
    if scheme in ("ipc", "inproc"):
        return None if rest else "names no " + ("path" if scheme == "ipc" else "name")
    if scheme != "tcp":
        return "has the scheme '%s': write tcp://HOST:PORT (or ipc://PATH)" % scheme[:16]
    host, colon, port = rest.rpartition(":")
    if not colon or not host or not port or any(c not in "0123456789*" for c in port):
        return "needs a host and a port: tcp://HOST:PORT"
    return None


def split_endpoints(text):
    """A comma-separated list of endpoints ("tcp://a:7100, tcp://b:7100") as a list: items
    trimmed, empty ones dropped, duplicates kept once (first place wins). ValueError, with the
    fix, for an item that is not an endpoint ("127.0.0.1:7100": write tcp://127.0.0.1:7100)."""
    out = []
    for item in (text or "").split(","):
        item = item.strip()
        problem = endpoint_problem(item) if item else None
        if problem:
            raise ValueError("registry '%s' %s" % (item[:64], problem))
        if item and item not in out:
            out.append(item)
    return out


class _Tried:
    """The endpoints a call tried, in the order first tried, each with its last outcome."""

    def __init__(self):
        self._outcomes = {}

    def note(self, endpoint, outcome):
        if endpoint in self._outcomes or len(self._outcomes) < MAX_ENDPOINTS_NAMED:
            self._outcomes[endpoint] = outcome

    def __str__(self):
        if not self._outcomes:
            return "no endpoint (none was known)"
        return ", ".join("%s (%s)" % (e, o) for e, o in self._outcomes.items())


class LeaderFollower:
    """Requests to whichever endpoint serves them. `locate(budget_ms)` says where to send when
    no endpoint is known ("" = not known yet; it may raise OrionError) and must not take longer
    than budget_ms. try_timeout_ms: one try at one endpoint; call_timeout_ms: one call."""

    def __init__(self, ctx, what, locate, try_timeout_ms=3000, call_timeout_ms=10_000, pause_initial_ms=25,
                 pause_max_ms=200):
        self._ctx = ctx
        self.what = what
        self._locate = locate
        self.try_timeout_ms = int(try_timeout_ms)
        self.call_timeout_ms = int(call_timeout_ms)
        self.pause_initial_ms = int(pause_initial_ms)
        self.pause_max_ms = int(pause_max_ms)
        self._sockets = {}
        self.leader = ""  # where the last call was answered, "" = locate it

    def close(self):
        for s in self._sockets.values():
            s.close(0)
        self._sockets.clear()

    def forget(self):
        """The next call locates the server again."""
        self.leader = ""

    def _socket(self, endpoint):
        s = self._sockets.get(endpoint)
        if s is None:
            s = make_socket(self._ctx, zmq.DEALER, linger_ms=0)  # an abandoned request must not hold the process
            try:
                s.connect(endpoint)
            except zmq.ZMQError:
                s.close(0)
                raise
            self._sockets[endpoint] = s
        return s

    def _drop(self, endpoint):
        s = self._sockets.pop(endpoint, None)
        if s is not None:
            s.close(0)

    def exchange(self, endpoint, request, timeout_ms):
        """One send and wait at one endpoint, no redirect and no retry: the reply Envelope (an
        ERROR too), or None when none came in time (the socket is then closed, so the next
        exchange there uses a new one). A malformed endpoint raises OrionError INVALID_ARGUMENT."""
        try:
            s = self._socket(endpoint)
        except zmq.ZMQError as e:
            raise OrionError(ErrorCode.INVALID_ARGUMENT, "bad endpoint '%s': %s" % (endpoint, e)) from None
        reply = None
        if send_envelope(s, request):
            reply = wait_reply(s, request.request_id, timeout_ms)
        if reply is None:
            self._drop(endpoint)
        return reply

    def call(self, request, hold_ms=0, call_timeout_ms=None):
        """One request, followed as in the module's table: the reply Envelope. `hold_ms`: how long
        the server may hold it before answering (a long poll), added to each try and to the call."""
        hold_ms = max(0, int(hold_ms))
        start = _monotonic_ms()
        deadline = start + (self.call_timeout_ms if call_timeout_ms is None else int(call_timeout_ms)) + hold_ms
        pause_max = max(1, self.pause_max_ms)
        state = {"pause": min(max(1, self.pause_initial_ms), pause_max), "redirects": 0}

        def pause():
            # Pacing between tries while no leader answers: bounded, growing, never past the deadline.
            state["redirects"] = 0
            left = deadline - _monotonic_ms()
            if left > 0:
                time.sleep(min(state["pause"], left) / 1000.0)
            state["pause"] = min(state["pause"] * 2, pause_max)

        tries = 0
        tried = _Tried()
        last = OrionError(ErrorCode.UNAVAILABLE, "no %s endpoint known" % self.what)
        while _monotonic_ms() < deadline:
            if not self.leader:
                try:
                    where = self._locate(max(1, deadline - _monotonic_ms()))
                except OrionError as e:
                    where, last = "", e
                else:
                    if not where:
                        last = OrionError(ErrorCode.UNAVAILABLE, "the registry knows no %s yet" % self.what)
                if not where:
                    pause()
                    continue
                self.leader = where
            at = self.leader
            try_ms = min(self.try_timeout_ms + hold_ms, max(1, deadline - _monotonic_ms()))
            tries += 1
            try:
                reply = self.exchange(at, request, try_ms)
            except OrionError:
                self.leader = ""
                raise  # a reply that did not decode, or a malformed endpoint
            if reply is None:
                # Dead, partitioned or restarting: the socket is new next time.
                tried.note(at, "no reply")
                last = OrionError(ErrorCode.UNAVAILABLE, "no reply from %s in %d ms" % (at, try_ms))
                self.leader = ""
                pause()
                continue
            if reply.type != MsgType.ERROR:
                return reply
            err = p.error_from_body(reply.body)
            if err.code == ErrorCode.NOT_LEADER:
                last = err
                named = reply.body.get("leader") if isinstance(reply.body, dict) else None
                if isinstance(named, str) and named and named != at:
                    tried.note(at, "NOT_LEADER, leader %s" % named)
                    log.debug("event=leader_redirect what=%s type=%s from=%s to=%s", self.what,
                              MsgType(request.type).name, at, named)
                    self.leader = named  # at once: the leader is named
                    state["redirects"] += 1
                    if state["redirects"] > MAX_REDIRECTS_IN_A_ROW:
                        pause()
                    continue
                tried.note(at, "NOT_LEADER, no leader yet")
                self.leader = ""  # an election is under way: ask again after a pause
                pause()
                continue
            if err.code == ErrorCode.UNAVAILABLE:
                # A leader catching up, or one that lost leadership with the request in flight
                # ("outcome unknown"): the same request id again, wherever the leader is now.
                tried.note(at, "UNAVAILABLE")
                last = err
                self.leader = ""
                pause()
                continue
            raise err
        self.leader = ""
        raise OrionError(ErrorCode.UNAVAILABLE, "%s %s: gave up after %d tries in %d ms; tried %s; last error: %s" % (
            self.what, MsgType(request.type).name, tries, _monotonic_ms() - start, tried, last))


class Registries:
    """A list of registries, all equal: a request goes to one, and to the next when it does not
    answer (round robin). `endpoints`: a comma-separated string or a list."""

    def __init__(self, ctx, endpoints, try_timeout_ms=3000, call_timeout_ms=10_000):
        self.endpoints = split_endpoints(endpoints) if isinstance(endpoints, str) else list(endpoints)
        self._next = 0
        self.follower = LeaderFollower(ctx, "registry", self._next_registry, try_timeout_ms=try_timeout_ms,
                                       call_timeout_ms=call_timeout_ms)

    def _next_registry(self, _budget_ms):
        if not self.endpoints:
            raise OrionError(ErrorCode.UNAVAILABLE, "no registry configured")
        endpoint = self.endpoints[self._next % len(self.endpoints)]
        self._next += 1
        return endpoint

    def close(self):
        self.follower.close()

    def call(self, msg_type, body, call_timeout_ms=None):
        """One registry request: the reply Envelope. An ERROR raises its OrionError."""
        if not self.endpoints:
            raise OrionError(ErrorCode.UNAVAILABLE, "no registry configured")
        request = p.Envelope(msg_type, secrets.token_hex(8), p.encode_value(body))
        return self.follower.call(request, call_timeout_ms=call_timeout_ms)

    def discover(self, call_timeout_ms=None):
        """DISCOVERY as a dict: scheduler_client, scheduler_agent, events_pub, events_sub, consensus."""
        return p.parse_discovery(self.call(MsgType.DISCOVER, {}, call_timeout_ms).body)
