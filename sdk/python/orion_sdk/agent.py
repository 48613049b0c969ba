"""The Orion agent for Python: run handlers for task types, with registration, discovery,
heartbeats, reconnects and at-least-once results done for you. The twin of sdk/cpp/agent.h.

    from orion_sdk import Agent

    agent = Agent("worker-1", capabilities=["echo"], registry="tcp://127.0.0.1:7100", capacity=4)

    @agent.handler("echo")
    def echo(ctx):
        return ctx.input

    agent.run()          # until agent.stop() (e.g. from a SIGTERM handler)

A handler takes a TaskContext and returns the task's output (any msgpack-able value), or raises
an exception whose str() becomes the task's error. It runs on one of `capacity` worker threads,
never on the networking thread, and should look at ctx.cancelled() now and then (or wait on
ctx.cancel_token): it turns true when the scheduler cancels the attempt (timeout, user cancel)
or the agent stops.

The agent's side of the protocol (docs/protocol.md), as in sdk/cpp/agent.cpp:

Registry link: DEALER to `registry`.
  REGISTERING  REGISTER_OK for our request id          reset backoff, start heartbeats        REGISTERED
  REGISTERING  deadline; nothing heard since REGISTER   new socket (Lazy Pirate), REGISTER     REGISTERING
  REGISTERING  deadline; an answer came (e.g. ERROR)    REGISTER again                         REGISTERING
               (ERROR ALREADY_EXISTS / PERMISSION_DENIED: the id is another process's or key's;
               logged at ERROR, event=agent_id_refused, and tried again so, with the backoff)
  REGISTERED   heartbeat_ms passed                      HEARTBEAT {agent_id, load}             REGISTERED
  REGISTERED   ERROR NOT_FOUND to a HEARTBEAT           REGISTER                               REGISTERING
  REGISTERED   nothing heard for heartbeat_ms*liveness  new socket (Paranoid Pirate), REGISTER REGISTERING
Each REGISTER waits the next backoff delay (reconnect_initial_ms, x2, ... reconnect_max_ms).
REGISTER and ATTACH carry `instance`, a random token made once per process: the same process
reconnecting keeps its id; another process's claim on a live id is refused (protocol.md 11.3).

Scheduler link: DEALER to DISCOVERY.scheduler_agent.
  NO_ADDRESS   registry REGISTERED, no DISCOVER pending DISCOVER on the registry link          NO_ADDRESS
  NO_ADDRESS   DISCOVERY, scheduler_agent empty         DISCOVER again after a backoff         NO_ADDRESS
  NO_ADDRESS   DISCOVERY, scheduler_agent set           connect, ATTACH                        ATTACHING
               (ATTACH carries `running`: the attempts running, queued, or with a result unacknowledged)
  ATTACHING    ATTACH_OK for our request id             reset backoff, re-send results         ATTACHED
  ATTACHING    deadline; nothing heard since ATTACH     close socket (re-DISCOVER next)        NO_ADDRESS
  ATTACHING    deadline; an answer came (e.g. ERROR)    ATTACH again                           ATTACHING
               (an id refused as for REGISTER: event=agent_id_refused, tried again with the backoff)
  ATTACHED     heartbeat_ms passed                      AGENT_HEARTBEAT, re-send results       ATTACHED
  ATTACHED     ERROR NOT_FOUND to an AGENT_HEARTBEAT    ATTACH                                 ATTACHING
  ATTACHED     nothing heard for heartbeat_ms*liveness  close socket (re-DISCOVER next)        NO_ADDRESS
  any          ERROR NOT_LEADER, `leader` named         new socket to `leader`, ATTACH         ATTACHING
  any          ERROR NOT_LEADER, `leader` ""            close socket, DISCOVER after a pause   NO_ADDRESS
               (25 ms doubling to 1 s, reset by ATTACH_OK; the 5th named redirect in a row without
               an ATTACH_OK is taken as "" too, so stale replicas cannot ping-pong)
The registry may be a comma-separated list: a registry link that reconnects (no answer to
REGISTER, silence) goes to the next registry of the list.

Tasks, on the scheduler link in any state:
  ASSIGN (task_id, attempt)  running or its result unacknowledged: ignore (re-send the result);
                             no handler: TASK_RESULT ok=false at once; else TASK_PROGRESS 0
                             "started", then the handler on a worker.
  CANCEL_TASK                that attempt's cancel token is set (only that attempt); a job no
                             worker has started yet does not run its handler: its result is
                             ok=false "cancelled before it started" (the scheduler frees the slot).
  handler ends               TASK_RESULT kept until RESULT_OK (accepted or not), re-sent with the
                             same request id on every heartbeat tick and after ATTACH_OK.
  ERROR to a TASK_RESULT     kept when the code says retry (UNAVAILABLE, INTERNAL,
                             DEADLINE_EXCEEDED, NOT_LEADER); otherwise dropped with a warning.

drain() or DRAIN from the scheduler: AGENT_HEARTBEAT at once and from then on with draining = true
(the scheduler assigns nothing more); ASSIGNs already on their way still run; once nothing runs
and every result is acknowledged, stop() as below (nothing to cancel).

stop(): ignore further ASSIGNs, drop jobs no worker started (DETACH lets the scheduler re-queue
them), cancel the running ones, keep the loop going until handlers end and results are
acknowledged (at most 2 s), DETACH, DEREGISTER (waits 500 ms for the answer).

Votes (only with a vote handler, on_vote): the agent subscribes on the bus to
proposal.created.<capability> for each capability, runs the handler on a vote thread of its own
for each proposal that names it among the voters, signs the answer with its Ed25519 key (whose
public half REGISTER announces as AgentSpec public_key) and sends VOTE to the consensus leader
(DISCOVERY consensus, following NOT_LEADER) until VOTE_OK or a refusal. The state table is at the
top of voting.py. DISCOVER is repeated while the bus or the leader is still unknown.
"""

import collections
import logging
import math
import os
import secrets
import signal
import sys
import threading
import time

import zmq

from . import protocol as p
from .protocol import ErrorCode, MsgType, OrionError
from .leader import split_endpoints
from .log import LogfmtFormatter, logfmt_value
from .sockets import make_socket, receive, send_envelope
from .vote_signature import SodiumUnavailable, VoteKeys
from .voting import Voting

SDK_VERSION = "python/0.1"

MAX_POLL_MS = 50              # longest the loop sleeps
STOP_GRACE_MS = 2000          # stop(): wait for handlers and acks
GOODBYE_MS = 500              # stop(): wait for DEREGISTER_OK
WORKER_JOIN_MS = 200          # then wait for worker threads
MAX_REMEMBERED_REQUESTS = 256  # per link
MAX_MESSAGES_PER_TURN = 1000  # per socket and loop turn, so timers still run
LEADER_PAUSE_INITIAL_MS = 25  # NOT_LEADER without a leader: first pause before DISCOVER again ...
LEADER_PAUSE_MAX_MS = 1000    # ... doubling up to this
MAX_REDIRECTS_IN_A_ROW = 4    # named redirects without an ATTACH_OK, then pause as for ""

log = logging.getLogger("orion.agent")
logging.getLogger("orion").addHandler(logging.NullHandler())  # a library logs only where the app says


def _logging_configured():
    """Whether the application said where log lines go: a handler on the root logger, or on an
    `orion` logger beyond the SDK's own NullHandler."""
    if logging.getLogger().handlers:
        return True
    for name in ("orion", "orion.agent"):
        if any(not isinstance(h, logging.NullHandler) for h in logging.getLogger(name).handlers):
            return True
    return False


def _default_log_handler():
    """The SDK's lines (info and up) to stderr in the services' format, for an application that
    configured no logging: an agent is never silent about where it connects and what fails.
    Returns the handler, to remove when run() ends."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogfmtFormatter("agent"))
    logger = logging.getLogger("orion")
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    return handler


class _DefaultSignals:
    """SIGTERM drains the agent (a second one stops it) and SIGINT stops it, when run() is called
    on the main thread and the application left both signals as Python set them (so Ctrl-C ends
    an agent without a traceback from inside zmq_poll). The previous handlers come back when
    run() ends."""

    def __init__(self, agent):
        self._saved = {}
        if threading.current_thread() is not threading.main_thread():
            return
        terms = {"n": 0}

        def on_term(_signum, _frame):
            terms["n"] += 1
            if terms["n"] == 1:
                log.info("event=signal signal=SIGTERM agent=%s action=drain", agent.agent_id)
                agent.drain()
            else:
                log.info("event=signal signal=SIGTERM agent=%s action=stop", agent.agent_id)
                agent.stop()

        def on_int(_signum, _frame):
            log.info("event=signal signal=SIGINT agent=%s action=stop", agent.agent_id)
            agent.stop()

        for signum, default, handler in ((signal.SIGTERM, signal.SIG_DFL, on_term),
                                         (signal.SIGINT, signal.default_int_handler, on_int)):
            if signal.getsignal(signum) is default:
                self._saved[signum] = signal.signal(signum, handler)

    def restore(self):
        for signum, previous in self._saved.items():
            signal.signal(signum, previous)


def _monotonic_ms():
    return int(time.monotonic() * 1000)


def _request_id():
    return secrets.token_hex(8).encode()


def _truncate_utf8(s, max_bytes):
    data = s.encode("utf-8", "surrogateescape")
    if len(data) <= max_bytes:
        return s
    return data[:max_bytes].decode("utf-8", "ignore")


class Backoff:
    """Exponential backoff without jitter: initial, x2, ... up to max (sdk/cpp/backoff.h)."""

    def __init__(self, initial_ms, max_ms):
        self.initial_ms = max(1, int(initial_ms))
        self.max_ms = max(self.initial_ms, int(max_ms))
        self._next = self.initial_ms

    def next_ms(self):
        now = self._next
        self._next = min(self.max_ms, self._next * 2)
        return now

    def peek_ms(self):
        return self._next

    def reset(self):
        self._next = self.initial_ms


# ---- what a handler sees ----------------------------------------------------------------------


class _RunningTask:
    """One assignment while its handler runs: fixed fields, plus the cancel token that the
    networking thread sets."""

    __slots__ = ("task_id", "attempt", "type", "input", "metadata", "deps", "timeout_ms", "cancel_token", "handling")

    def __init__(self, assign):
        self.task_id = assign["task_id"]
        self.attempt = assign["attempt"]
        self.type = assign["type"]
        self.input = assign["input"]
        self.metadata = assign["metadata"]
        self.deps = assign["deps"]
        self.timeout_ms = assign["timeout_ms"]
        self.cancel_token = threading.Event()
        self.handling = False  # True while a worker thread runs its handler (the heartbeat counts them)

    @property
    def key(self):
        return (self.task_id, self.attempt)


class TaskContext:
    """One attempt of one task, given to its handler.

    task_id, attempt (1 for the first assignment, +1 per retry), type, input, metadata, deps
    (dependency task id -> its output; {} when none), timeout_ms (0 = none; the scheduler
    enforces it). cancel_token is a threading.Event set when the attempt is cancelled: a handler
    may wait on it (ctx.cancel_token.wait(0.05)) but must not set or clear it.
    """

    def __init__(self, task, outbox=None):
        self._task = task
        self._outbox = outbox

    task_id = property(lambda self: self._task.task_id)
    attempt = property(lambda self: self._task.attempt)
    type = property(lambda self: self._task.type)
    input = property(lambda self: self._task.input)
    metadata = property(lambda self: self._task.metadata)
    deps = property(lambda self: self._task.deps)
    timeout_ms = property(lambda self: self._task.timeout_ms)
    cancel_token = property(lambda self: self._task.cancel_token)

    def cancelled(self):
        """True once the scheduler sent CANCEL_TASK for this attempt, or the agent is stopping.
        The handler decides what to do; whatever it returns or raises is still reported."""
        return self._task.cancel_token.is_set()

    def progress(self, percent, message=""):
        """Reports progress (clamped to 0..100; NaN reads as 0) with an optional message (cut to
        4096 bytes). Thread-safe; never blocks on the network."""
        if self._outbox is None:
            return
        percent = float(percent)
        percent = 0.0 if math.isnan(percent) else min(100.0, max(0.0, percent))
        message = _truncate_utf8(str(message), p.MAX_TEXT_BYTES)
        self._outbox.push(("progress", self._task.task_id, self._task.attempt, percent, message))


def _error_text(exc):
    text = str(exc)
    return text if text else type(exc).__name__


def _run_handler(task, outbox, handler):
    """On a worker thread: runs the handler and pushes its result, encoded already, so the
    networking thread never touches user values. A value that cannot be encoded or is over
    4 MiB fails the attempt with a message that says so."""
    ok, output, error = True, None, ""
    if task.cancel_token.is_set():
        # Cancelled (CANCEL_TASK, or stop()) while it waited for a worker: the handler never runs.
        packed = p.encode_value(p.task_result_body(task.task_id, task.attempt, False, None,
                                                   "cancelled before it started"))
        outbox.push(("result", task.task_id, task.attempt, False, packed))
        return
    task.handling = True
    try:
        output = handler(TaskContext(task, outbox))
    except BaseException as e:  # noqa: B902 - a handler's SystemExit must not kill a worker either
        ok, output, error = False, None, _error_text(e)
    finally:
        task.handling = False
    packed = None
    if ok:
        try:
            packed = p.encode_value(p.task_result_body(task.task_id, task.attempt, True, output, ""))
            if len(packed) > p.MAX_INPUT_BYTES:  # the output alone may still fit: measure it
                size = len(p.encode_value(output))
                if size > p.MAX_INPUT_BYTES:
                    ok, error = False, "output is %d bytes, more than the limit of %d" % (size, p.MAX_INPUT_BYTES)
        except OrionError as e:
            ok, error = False, "output cannot be sent: %s" % e.message
    if not ok:
        error = _truncate_utf8(error, p.MAX_INPUT_BYTES)
        # The task's id on the agent's side, as the scheduler's task_failed line and the client have it.
        log.info("event=task_failed task=%s type=%s attempt=%d error=%s", task.task_id, logfmt_value(task.type), task.attempt,
                 logfmt_value(error[:512]))
        packed = p.encode_value(p.task_result_body(task.task_id, task.attempt, False, None, error))
    outbox.push(("result", task.task_id, task.attempt, ok, packed))


# ---- threads ----------------------------------------------------------------------------------


class _Outbox:
    """Worker threads and stop() -> the networking thread: a locked queue plus a self-pipe that
    the loop polls next to its sockets. os.write on the non-blocking pipe is safe from any thread
    and from a signal handler; a lost wake-up only delays (the loop wakes every 50 ms)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._queue = []
        self._r, self._w = os.pipe()
        os.set_blocking(self._r, False)
        os.set_blocking(self._w, False)

    def push(self, message):
        with self._lock:
            self._queue.append(message)
        self.wake()

    def take_all(self):
        with self._lock:
            out, self._queue = self._queue, []
        return out

    def wake(self):
        try:
            os.write(self._w, b"\x01")
        except OSError:
            pass  # full: a wake-up is pending already; closed: the agent is gone

    @property
    def wake_fd(self):
        return self._r

    def clear_wake(self):
        while True:
            try:
                if not os.read(self._r, 256):
                    return
            except OSError:
                return

    def __del__(self):
        # Only when nothing can push any more (an abandoned handler thread keeps the outbox
        # alive through its TaskContext), so a late write can never hit a reused descriptor.
        for fd in (getattr(self, "_r", None), getattr(self, "_w", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass


class _WorkerPool:
    """`threads` daemon threads running queued jobs in order (sdk/cpp/worker_pool.h). Daemon, so
    a handler that ignores its cancel token cannot hold the process at exit."""

    def __init__(self, threads):
        self._cv = threading.Condition()
        self._queue = collections.deque()
        self._closed = False
        self._threads = [threading.Thread(target=self._work, name="orion-worker-%d" % i, daemon=True)
                         for i in range(max(1, threads))]
        for t in self._threads:
            t.start()

    def submit(self, key, job):
        with self._cv:
            self._queue.append((key, job))
            self._cv.notify()

    def drop_queued(self):
        """Removes the jobs no thread has started; returns their keys."""
        with self._cv:
            keys = [k for k, _ in self._queue]
            self._queue.clear()
        return keys

    def shutdown(self, grace_ms):
        """Drops queued jobs, lets running ones finish for up to grace_ms, returns how many
        threads are still busy (they are abandoned)."""
        with self._cv:
            self._closed = True
            self._queue.clear()
            self._cv.notify_all()
        deadline = time.monotonic() + grace_ms / 1000.0
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        return sum(1 for t in self._threads if t.is_alive())

    def _work(self):
        while True:
            with self._cv:
                while not self._queue and not self._closed:
                    self._cv.wait()
                if self._closed:
                    return
                _, job = self._queue.popleft()
            try:
                job()
            except BaseException:  # noqa: B902 - _run_handler catches; this is a last resort
                log.exception("event=worker_job_failed")


# ---- the networking side ----------------------------------------------------------------------


class _RequestLog:
    """What recent requests on one link asked, so an ERROR reply (which carries only the request
    id) can be understood. Bounded: the oldest entries fall off."""

    def __init__(self):
        self._entries = collections.deque(maxlen=MAX_REMEMBERED_REQUESTS)

    def remember(self, request_id, msg_type):
        self._entries.append((request_id, msg_type))

    def take(self, request_id):
        for i, (rid, t) in enumerate(self._entries):
            if rid == request_id:
                del self._entries[i]
                return t
        return MsgType.UNKNOWN

    def clear(self):
        self._entries.clear()


class _Link:
    """One DEALER connection to a peer and its timers."""

    def __init__(self, name, initial_ms, max_ms):
        self.name = name
        self.endpoint = ""
        self.socket = None
        self.backoff = Backoff(initial_ms, max_ms)
        self.heartbeat_ms = 1000
        self.liveness = 3
        self.last_heard_ms = 0
        self.next_heartbeat_ms = 0
        self.handshake_id = b""
        self.handshake_deadline_ms = 0
        self.heard_since_handshake = False
        self.requests = _RequestLog()

    def silence_limit_ms(self):
        return self.heartbeat_ms * self.liveness


_REGISTERING, _REGISTERED = "REGISTERING", "REGISTERED"
_NO_ADDRESS, _ATTACHING, _ATTACHED = "NO_ADDRESS", "ATTACHING", "ATTACHED"


class Agent:
    """An Orion agent. Arguments as sdk/cpp AgentOptions:

    agent_id              required, unique in the cluster
    capabilities          what tasks may require of this agent
    registry              the one address an agent needs
    capacity              concurrent tasks = worker threads, >= 1
    weight                vote weight, > 0
    labels                {str: str}, shown not interpreted
    reconnect_initial_ms  first retry delay; doubles per failure ...
    reconnect_max_ms      ... up to this
    secret_key            Ed25519 vote key: 128 hex digits (libsodium's secret key) or 64 (its
                          seed); None: a new key pair (its public key is logged at run())
    clock                 (tests) a function returning monotonic milliseconds

    Raises ValueError for an agent_id, capabilities, capacity, weight, labels or secret_key the
    registry would refuse. Keys need libsodium (Debian libsodium23, loaded with ctypes): without
    it a secret_key raises SodiumUnavailable, and an agent without one registers no public key
    and cannot vote (on_vote raises SodiumUnavailable).
    """

    def __init__(self, agent_id, capabilities=(), registry="tcp://127.0.0.1:7100", capacity=1, weight=1.0,
                 labels=None, reconnect_initial_ms=100, reconnect_max_ms=5000, clock=None, secret_key=None):
        if not agent_id:
            raise ValueError("agent_id is required")
        if isinstance(capabilities, str):
            raise ValueError("capabilities must be a list of strings, not one string")
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError("capacity must be an integer >= 1")
        try:
            weight = float(weight)
        except (TypeError, ValueError, OverflowError):
            raise ValueError("weight must be a number") from None
        if not math.isfinite(weight) or weight <= 0:
            raise ValueError("weight must be > 0")
        self._keys = None  # the Ed25519 vote key pair; None only when libsodium is missing
        self._key_generated = secret_key is None
        if secret_key is not None:
            self._keys = VoteKeys.from_hex(secret_key)  # ValueError for bad hex, SodiumUnavailable
        else:
            try:
                self._keys = VoteKeys.generate()
            except SodiumUnavailable as e:
                self._no_keys_why = str(e)
        public_key = self._keys.public_key_hex if self._keys else ""
        self._spec = p.agent_spec(agent_id, capabilities, capacity, weight, labels, SDK_VERSION, public_key)
        try:
            # The registry would refuse what its decoder refuses (over-long names, too many items).
            p.parse_agent_spec(self._spec)
            p.encode_value(self._spec)
        except OrionError as e:
            raise ValueError("agent options: %s" % e.message) from None
        self._registries = split_endpoints(registry) if isinstance(registry, str) else list(registry)
        if not self._registries:
            raise ValueError("registry names no registry")
        self._next_registry = 0
        self._registry_endpoint = registry
        # Random per process, sent in every REGISTER and ATTACH: a reconnect of this process is
        # told from another process taking the id (protocol.md 11.3).
        self._instance = secrets.token_hex(16)
        self._now = clock or _monotonic_ms
        self._handlers = {}
        self._vote_handler = None
        self._started = False
        self._registry_no_answers = 0  # handshakes with the registry that got no answer
        self._stop_requested = False
        self._drain_requested = False  # drain() or a DRAIN from the scheduler
        self._outbox = _Outbox()

        # ---- networking thread only ----
        self._ctx = None
        self._registry = _Link("registry", reconnect_initial_ms, reconnect_max_ms)
        self._scheduler = _Link("scheduler", reconnect_initial_ms, reconnect_max_ms)
        self._registry_state = _REGISTERING
        self._scheduler_state = _NO_ADDRESS
        self._attached_before = False
        self._discover_id = b""
        self._discover_deadline_ms = 0
        self._discover_backoff = Backoff(reconnect_initial_ms, reconnect_max_ms)
        self._discover_not_before_ms = 0  # no DISCOVER before this (the pause after NOT_LEADER "")
        self._leader_backoff = Backoff(LEADER_PAUSE_INITIAL_MS, LEADER_PAUSE_MAX_MS)  # reset by ATTACH_OK
        self._redirects_in_a_row = 0      # named NOT_LEADER redirects since the last ATTACH_OK
        self._pool = None
        self._voting = None  # with a vote handler: the vote machinery (voting.py), made by run()
        self._running = {}   # (task_id, attempt) -> _RunningTask: handed to a worker, no result yet
        self._unacked = {}   # (task_id, attempt) -> [request_id, packed TASK_RESULT body]
        self._draining = False   # drain seen: heartbeats say so; stops once idle
        self._stopping = False
        self._stop_deadline_ms = 0

    @property
    def agent_id(self):
        return self._spec["agent_id"]

    # ---- set-up ----

    def handle(self, task_type, handler):
        """Before run(): the handler for task_type (replaces an earlier one)."""
        if self._started:
            raise RuntimeError("Agent.handle() must be called before run()")
        if not callable(handler):
            raise TypeError("Agent.handle(): the handler for '%s' is not callable" % task_type)
        self._handlers[task_type] = handler

    def handler(self, task_type):
        """Decorator form of handle(): @agent.handler("echo")."""
        def register(fn):
            self.handle(task_type, fn)
            return fn
        return register

    def on_vote(self, fn):
        """Before run(): the vote handler, called for every proposal of one of this agent's
        capabilities that names it among its voters (never RAFT). It gets the proposal as the
        proposal.created event carries it, a dict: proposal_id, proposer, type, capability, data,
        consensus_type (a ConsensusType), voters (agent ids), outcome (PENDING), created_ms,
        deadline_ms; and returns True (yes) or False (no). It runs on the agent's vote thread,
        one proposal at a time; an exception or any other return value means no vote (logged).
        Usable as a decorator. Raises SodiumUnavailable when libsodium is missing."""
        if self._started:
            raise RuntimeError("Agent.on_vote() must be called before run()")
        if not callable(fn):
            raise TypeError("Agent.on_vote(): the vote handler is not callable")
        if self._keys is None:
            raise SodiumUnavailable(self._no_keys_why)
        self._vote_handler = fn
        return fn

    @property
    def vote_handler(self):
        """The function given to on_vote(), or None."""
        return self._vote_handler

    @property
    def public_key_hex(self):
        """The Ed25519 public key announced in REGISTER (64 lower-case hex digits); "" without
        libsodium."""
        return self._spec.get("public_key", "")

    # ---- running ----

    def stop(self):
        """Asks run() to finish: no new work, running handlers see cancelled(), up to ~2 s for
        them to end and their results to be acknowledged, then DETACH and DEREGISTER. Returns at
        once. Safe from any thread and from a signal handler; may precede run()."""
        self._stop_requested = True
        self._outbox.wake()

    def drain(self):
        """Graceful: asks the scheduler for no new work, lets running handlers finish (not
        cancelled) and their results be acknowledged, then leaves as stop() does. A DRAIN from
        the scheduler does the same. Returns at once; safe from any thread and a signal handler."""
        self._drain_requested = True
        self._outbox.wake()

    def run(self):
        """Runs the agent on the calling thread until stop() (or a finished drain); returns 0.
        Call it once. Unless the application set them itself: SIGTERM drains the agent (a second
        one stops it) and SIGINT stops it (on the main thread), and the SDK's log lines go to
        stderr at info (when no logging is configured)."""
        if self._started:
            raise RuntimeError("Agent.run() may be called only once")
        self._started = True
        log_handler = None if _logging_configured() else _default_log_handler()
        signals = _DefaultSignals(self)
        try:
            return self._run()
        finally:
            signals.restore()
            if log_handler is not None:
                logging.getLogger("orion").removeHandler(log_handler)

    def _run(self):
        self._ctx = zmq.Context()
        self._pool = _WorkerPool(self._spec["capacity"])
        vote_pool = None
        if self._vote_handler is not None:
            vote_pool = _WorkerPool(1)
            self._voting = Voting(self.agent_id, self._spec["capabilities"], self._keys.secret_key,
                                  self._vote_handler, self._outbox, vote_pool, self._ctx, self._now,
                                  self._registries)
        log.info("event=agent_starting agent=%s registry=%s capacity=%d capabilities=%s sdk=%s instance=%s",
                 self.agent_id, self._registry_endpoint, self._spec["capacity"], self._spec["capabilities"],
                 SDK_VERSION, self._instance)
        if self._key_generated and self._keys is not None:
            log.info("event=vote_key_generated agent=%s public_key=%s", self.agent_id, self.public_key_hex)
        try:
            self._open(self._registry, self._take_registry())  # raises zmq.ZMQError for a bad endpoint
            self._send_register(self._now())
            while True:
                now = self._now()
                if self._drain_requested and not self._draining and not self._stopping:
                    self._begin_drain(now)
                # Drained: nothing running, every result acknowledged. Then leave as stop() does.
                if self._draining and not self._stopping and not self._running and not self._unacked:
                    self._begin_stop(now)
                if self._stop_requested and not self._stopping:
                    self._begin_stop(now)
                if self._stopping and self._stop_finished(now):
                    break
                self._poll_once(self._poll_timeout_ms(now))
                self._outbox.clear_wake()  # before draining: a push after take_all() wakes the next poll
                self._receive_all(self._registry)
                self._receive_all(self._scheduler)
                if self._voting is not None:
                    self._voting.receive_events()
                    self._voting.receive_consensus()
                self._drain_outbox()
                self._on_timers(self._now())
            self._say_goodbye()
        finally:
            self._close(self._scheduler)
            self._close(self._registry)
            if self._voting is not None:
                self._voting.close()
                if vote_pool.shutdown(WORKER_JOIN_MS):
                    log.warning("event=vote_handler_abandoned agent=%s why=still_running_at_stop", self.agent_id)
            stuck = self._pool.shutdown(WORKER_JOIN_MS)
            if stuck:
                log.warning("event=handlers_abandoned agent=%s threads=%d why=they_ignored_cancellation",
                            self.agent_id, stuck)
            self._ctx.term()
        return 0

    # ---- sockets ----

    def _open(self, link, endpoint):
        self._close(link)
        s = make_socket(self._ctx, zmq.DEALER)
        try:
            s.connect(endpoint)
        except zmq.ZMQError:
            s.close(0)
            raise
        link.socket = s
        link.endpoint = endpoint

    def _take_registry(self):
        """The next registry of the list (round robin): where a silent registry link reconnects."""
        endpoint = self._registries[self._next_registry % len(self._registries)]
        self._next_registry += 1
        return endpoint

    def _close(self, link):
        if link.socket is not None:
            link.socket.close()  # linger (200 ms) bounds how long queued frames wait
        link.socket = None
        link.requests.clear()
        link.handshake_id = b""

    def _send(self, link, msg_type, body, request_id=b""):
        if link.socket is None:
            return
        if request_id:
            link.requests.remember(request_id, msg_type)
        try:
            sent = send_envelope(link.socket, p.Envelope(msg_type, request_id, body))
        except OrionError as e:  # our own body does not encode: a bug, never a crash
            log.error("event=send_failed agent=%s peer=%s type=%s error=%s", self.agent_id, link.name,
                      msg_type.name, e)
            return
        if not sent:
            log.debug("event=send_failed agent=%s peer=%s type=%s", self.agent_id, link.name, msg_type.name)

    def _measure_resources(self, now):
        """What this process uses now, for its HEARTBEAT: CPU in cores since the previous
        measurement (0 at the first), resident memory, handlers running."""
        t = os.times()
        cpu_s = t.user + t.system
        cores = 0.0
        last = getattr(self, "_last_cpu", None)
        if last is not None and now > last[1]:
            cores = min(4096.0, max(0.0, (cpu_s - last[0]) / ((now - last[1]) / 1000.0)))
        self._last_cpu = (cpu_s, now)
        memory = 0
        try:
            with open("/proc/self/statm") as f:
                memory = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            pass
        handlers = sum(1 for t in list(self._running.values()) if t.handling)
        return {"cpu": cores, "memory_bytes": memory, "handlers": handlers}

    def _send_register(self, now):
        link = self._registry
        link.handshake_id = _request_id()
        link.heard_since_handshake = False
        wait_ms = link.backoff.next_ms()
        link.handshake_deadline_ms = now + wait_ms
        log.debug("event=register_sent agent=%s registry=%s wait_ms=%d", self.agent_id, link.endpoint, wait_ms)
        self._send(link, MsgType.REGISTER, p.register_body(self._spec, self._instance), link.handshake_id)

    def _send_discover(self, now):
        self._discover_id = _request_id()
        self._discover_deadline_ms = now + self._discover_backoff.next_ms()
        self._send(self._registry, MsgType.DISCOVER, {}, self._discover_id)

    def _send_attach(self, now):
        link = self._scheduler
        link.handshake_id = _request_id()
        link.heard_since_handshake = False
        wait_ms = link.backoff.next_ms()
        link.handshake_deadline_ms = now + wait_ms
        log.debug("event=attach_sent agent=%s scheduler=%s wait_ms=%d", self.agent_id, link.endpoint, wait_ms)
        # `running`: every attempt we hold, so the scheduler keeps their leases (and cancels those no
        # longer ours); those whose result is unacknowledged too, as it is re-sent after ATTACH_OK.
        held = list(self._running) + list(self._unacked)
        self._send(link, MsgType.ATTACH, p.attach_body(self._spec, held, self._instance), link.handshake_id)

    # ---- the loop ----

    def _poll_once(self, timeout_ms):
        poller = zmq.Poller()
        poller.register(self._outbox.wake_fd, zmq.POLLIN)
        for link in (self._registry, self._scheduler):
            if link.socket is not None:
                poller.register(link.socket, zmq.POLLIN)
        for s in self._voting.sockets() if self._voting is not None else ():
            poller.register(s, zmq.POLLIN)
        try:
            poller.poll(timeout_ms)
        except zmq.ZMQError as e:
            if e.errno != zmq.EINTR:  # pyzmq retries EINTR itself; be safe anyway
                raise

    def _poll_timeout_ms(self, now):
        """Until the earliest timer, but never more than MAX_POLL_MS."""
        deadlines = [now + MAX_POLL_MS]
        r, s = self._registry, self._scheduler
        if self._registry_state == _REGISTERING:
            deadlines.append(r.handshake_deadline_ms)
        else:
            deadlines += [r.next_heartbeat_ms, r.last_heard_ms + r.silence_limit_ms() + 1]
            if self._need_discovery() and not self._stopping:
                if self._discover_id:
                    deadlines.append(max(self._discover_deadline_ms, self._discover_not_before_ms))
                elif self._discover_not_before_ms > now:
                    deadlines.append(self._discover_not_before_ms)  # the pause after NOT_LEADER ""
        if self._scheduler_state == _ATTACHING:
            deadlines.append(s.handshake_deadline_ms)
        if self._scheduler_state == _ATTACHED:
            deadlines += [s.next_heartbeat_ms, s.last_heard_ms + s.silence_limit_ms() + 1]
        if self._stopping:
            deadlines.append(self._stop_deadline_ms)
        if self._voting is not None:
            deadlines += self._voting.deadlines()
        return min(MAX_POLL_MS, max(0, min(deadlines) - now))

    def _receive_all(self, link):
        for _ in range(MAX_MESSAGES_PER_TURN):
            if link.socket is None:
                return
            try:
                incoming = receive(link.socket)
            except zmq.ZMQError as e:
                log.debug("event=receive_failed agent=%s peer=%s error=%s", self.agent_id, link.name, e)
                return
            if incoming is None:
                return
            if link is self._registry:
                self._on_registry(incoming, self._now())
            else:
                self._on_scheduler(incoming, self._now())

    def _on_timers(self, now):
        reg, sch = self._registry, self._scheduler
        # Registry link.
        if self._registry_state == _REGISTERING:
            if now >= reg.handshake_deadline_ms:
                if not reg.heard_since_handshake:
                    # Said at once the first time (a wrong --registry shows in the first seconds),
                    # then again only while the retries are at their longest pause.
                    self._registry_no_answers += 1
                    first = self._registry_no_answers == 1
                    level = logging.WARNING if first or reg.backoff.peek_ms() >= reg.backoff.max_ms else logging.DEBUG
                    log.log(level, "event=registry_no_answer agent=%s registry=%s action=retry hint=%s", self.agent_id,
                            reg.endpoint, logfmt_value("is orion-registry running there?"))
                    self._open(reg, self._take_registry())
                    self._discover_id = b""  # it went with the old socket
                self._send_register(now)
        elif now - reg.last_heard_ms > reg.silence_limit_ms():
            log.warning("event=registry_silent agent=%s registry=%s silent_ms=%d action=register_again",
                        self.agent_id, reg.endpoint, now - reg.last_heard_ms)
            self._open(reg, self._take_registry())
            self._discover_id = b""
            self._registry_state = _REGISTERING
            self._send_register(now)
        elif now >= reg.next_heartbeat_ms:
            self._send(reg, MsgType.HEARTBEAT,
                       p.heartbeat_body(self.agent_id, len(self._running), self._measure_resources(now)), _request_id())
            reg.next_heartbeat_ms = now + reg.heartbeat_ms

        # Discovery, on the registry link, while the scheduler's (or, voting, the bus's or the
        # consensus leader's) address is needed.
        if (self._need_discovery() and self._registry_state == _REGISTERED and not self._stopping
                and now >= self._discover_not_before_ms
                and (not self._discover_id or now >= self._discover_deadline_ms)):
            self._send_discover(now)

        # Scheduler link.
        if self._scheduler_state == _ATTACHING and now >= sch.handshake_deadline_ms:
            if sch.heard_since_handshake:
                self._send_attach(now)
            else:
                log.info("event=scheduler_no_answer agent=%s scheduler=%s action=discover_again", self.agent_id,
                         sch.endpoint)
                self._close(sch)
                self._scheduler_state = _NO_ADDRESS
                self._discover_id = b""
        elif self._scheduler_state == _ATTACHED:
            if now - sch.last_heard_ms > sch.silence_limit_ms():
                log.warning("event=scheduler_silent agent=%s scheduler=%s silent_ms=%d action=discover_again",
                            self.agent_id, sch.endpoint, now - sch.last_heard_ms)
                self._close(sch)
                self._scheduler_state = _NO_ADDRESS
                self._discover_id = b""
            elif now >= sch.next_heartbeat_ms:
                self._send(sch, MsgType.AGENT_HEARTBEAT,
                           p.agent_heartbeat_body(self.agent_id, list(self._running), self._draining), _request_id())
                self._resend_results()
                sch.next_heartbeat_ms = now + sch.heartbeat_ms

        # Votes: re-send the unanswered ones, notice a silent leader.
        if self._voting is not None:
            self._voting.on_timers(now)

    # ---- registry messages ----

    def _handshake_answer(self, peer, name, e, awaited, parse):
        """The body of REGISTER_OK or ATTACH_OK, parsed, with the peer's handshake done and its
        heartbeat terms taken; None when it answers no handshake in flight (stale) or is bad."""
        peer.requests.take(e.request_id)
        if not awaited or e.request_id != peer.handshake_id:
            return None  # stale
        try:
            ok = parse(e.body)
        except OrionError as err:
            log.warning("event=bad_message agent=%s peer=%s type=%s error=%s", self.agent_id, name, e.type.name, err)
            return None
        peer.handshake_id = b""
        peer.backoff.reset()
        peer.heartbeat_ms = ok["heartbeat_ms"]
        peer.liveness = ok["liveness"]
        return ok

    def _on_registry(self, incoming, now):
        reg = self._registry
        reg.last_heard_ms = now
        reg.heard_since_handshake = True
        if incoming.error is not None:
            log.warning("event=bad_message agent=%s peer=registry error=%s", self.agent_id, incoming.error)
            return
        e = incoming.envelope
        if e.type == MsgType.REGISTER_OK:
            ok = self._handshake_answer(reg, "registry", e, self._registry_state == _REGISTERING, p.parse_register_ok)
            if ok is None:
                return
            self._registry_state = _REGISTERED
            reg.next_heartbeat_ms = now + ok["heartbeat_ms"]
            log.info("event=registered agent=%s registry=%s heartbeat_ms=%d liveness=%d replaced=%s", self.agent_id,
                     reg.endpoint, ok["heartbeat_ms"], ok["liveness"], str(ok["replaced"]).lower())
        elif e.type == MsgType.DISCOVERY:
            reg.requests.take(e.request_id)
            self._on_discovery(e, now)
        elif e.type in (MsgType.HEARTBEAT_OK, MsgType.DEREGISTER_OK):
            reg.requests.take(e.request_id)
        elif e.type == MsgType.ERROR:
            err = p.error_from_body(e.body)
            asked = reg.requests.take(e.request_id)
            if asked == MsgType.HEARTBEAT and err.code == ErrorCode.NOT_FOUND and self._registry_state == _REGISTERED:
                log.info("event=registry_forgot_agent agent=%s registry=%s action=register_again", self.agent_id,
                         reg.endpoint)
                self._registry_state = _REGISTERING
                self._send_register(now)
                return
            if self._id_refused(reg, asked, err, now):
                return
            log.warning("event=peer_error agent=%s peer=registry request=%s error=%s", self.agent_id,
                        MsgType(asked).name, err)
        else:
            log.warning("event=unexpected_message agent=%s peer=registry type=%s", self.agent_id, e.type.name)

    def _need_discovery(self):
        if self._scheduler_state == _NO_ADDRESS:
            return True
        return self._voting is not None and self._voting.need_discovery()

    def _on_discovery(self, e, now):
        if e.request_id != self._discover_id or self._stopping:
            return  # stale
        try:
            d = p.parse_discovery(e.body)
        except OrionError as err:
            log.warning("event=bad_message agent=%s peer=registry type=DISCOVERY error=%s", self.agent_id, err)
            return  # asked again at the discover deadline
        if self._voting is not None:
            self._voting.use_endpoints(d)
        if self._scheduler_state != _NO_ADDRESS:
            if not self._need_discovery():
                self._discover_id = b""
                self._discover_backoff.reset()
            return
        if not d["scheduler_agent"]:
            log.debug("event=scheduler_not_known_yet agent=%s retry_in_ms=%d", self.agent_id,
                      self._discover_deadline_ms - now)
            return
        try:
            self._open(self._scheduler, d["scheduler_agent"])
        except zmq.ZMQError as err:
            log.warning("event=bad_scheduler_address agent=%s address=%s error=%s", self.agent_id,
                        d["scheduler_agent"], err)
            return
        self._discover_id = b""
        self._discover_backoff.reset()
        self._scheduler_state = _ATTACHING
        self._send_attach(now)

    # ---- scheduler messages ----

    def _on_scheduler(self, incoming, now):
        sch = self._scheduler
        sch.last_heard_ms = now
        sch.heard_since_handshake = True
        if incoming.error is not None:
            log.warning("event=bad_message agent=%s peer=scheduler error=%s", self.agent_id, incoming.error)
            return
        e = incoming.envelope
        if e.type == MsgType.ATTACH_OK:
            ok = self._handshake_answer(sch, "scheduler", e, self._scheduler_state == _ATTACHING, p.parse_attach_ok)
            if ok is None:
                return
            self._scheduler_state = _ATTACHED
            self._leader_backoff.reset()
            self._redirects_in_a_row = 0
            sch.next_heartbeat_ms = now if self._draining else now + ok["heartbeat_ms"]
            log.info("event=%s agent=%s scheduler=%s heartbeat_ms=%d liveness=%d unacked_results=%d",
                     "reattached" if self._attached_before else "attached", self.agent_id, sch.endpoint,
                     ok["heartbeat_ms"], ok["liveness"], len(self._unacked))
            self._attached_before = True
            self._resend_results()
        elif e.type == MsgType.AGENT_HEARTBEAT_OK:
            sch.requests.take(e.request_id)
        elif e.type == MsgType.ASSIGN:
            self._on_assign(e.body)
        elif e.type == MsgType.CANCEL_TASK:
            self._on_cancel(e.body)
        elif e.type == MsgType.DRAIN:
            log.info("event=drain_requested agent=%s by=scheduler", self.agent_id)
            self._drain_requested = True
        elif e.type == MsgType.RESULT_OK:
            self._on_result_ok(e)
        elif e.type == MsgType.ERROR:
            self._on_scheduler_error(e, now)
        else:
            log.warning("event=unexpected_message agent=%s peer=scheduler type=%s", self.agent_id, e.type.name)

    def _on_scheduler_error(self, e, now):
        err = p.error_from_body(e.body)
        asked = self._scheduler.requests.take(e.request_id)
        if err.code == ErrorCode.NOT_LEADER:
            # A follower answers every request so, TASK_PROGRESS included (its request id is empty).
            leader = e.body.get("leader") if isinstance(e.body, dict) else None
            self._follow_scheduler_leader(leader if isinstance(leader, str) else "", asked, now)
            return
        if asked == MsgType.AGENT_HEARTBEAT and err.code == ErrorCode.NOT_FOUND and self._scheduler_state == _ATTACHED:
            log.info("event=scheduler_forgot_agent agent=%s scheduler=%s action=attach_again", self.agent_id,
                     self._scheduler.endpoint)
            self._scheduler_state = _ATTACHING
            self._send_attach(now)
            return
        if asked == MsgType.TASK_RESULT and err.code not in p.RETRYABLE_CODES:
            for key, pending in self._unacked.items():
                if pending[0] == e.request_id:
                    log.warning("event=result_refused agent=%s task=%s attempt=%d error=%s action=drop",
                                self.agent_id, key[0], key[1], err)
                    del self._unacked[key]
                    return
        if self._id_refused(self._scheduler, asked, err, now):
            return
        log.warning("event=peer_error agent=%s peer=scheduler request=%s error=%s", self.agent_id,
                    MsgType(asked).name, err)

    def _id_refused(self, link, asked, err, now):
        """REGISTER or ATTACH refused for the agent id (ALREADY_EXISTS: another process holds it
        live; PERMISSION_DENIED: another key holds it): logged at ERROR, True. The handshake goes
        again at its deadline, the link's backoff doubling each time: the agent keeps trying
        without flapping and without disturbing the holder."""
        if asked not in (MsgType.REGISTER, MsgType.ATTACH) or \
                err.code not in (ErrorCode.ALREADY_EXISTS, ErrorCode.PERMISSION_DENIED):
            return False
        log.error("event=agent_id_refused agent=%s peer=%s request=%s code=%s error=\"%s\" action=retry "
                  "retry_in_ms=%d", self.agent_id, link.name, MsgType(asked).name, err.code.name, err.message,
                  max(0, link.handshake_deadline_ms - now))
        return True

    def _follow_scheduler_leader(self, leader, asked, now):
        """NOT_LEADER on the scheduler link: reconnect to `leader` and ATTACH (results not
        acknowledged go again after ATTACH_OK, same request ids), or, with no leader named, close
        the link and DISCOVER again after a pause."""
        sch = self._scheduler
        if leader and leader != sch.endpoint and self._redirects_in_a_row < MAX_REDIRECTS_IN_A_ROW:
            self._redirects_in_a_row += 1
            log.info("event=scheduler_redirect agent=%s from=%s to=%s request=%s unacked_results=%d", self.agent_id,
                     sch.endpoint, leader, MsgType(asked).name, len(self._unacked))
            try:
                self._open(sch, leader)  # the old socket goes, with whatever it still held
                self._scheduler_state = _ATTACHING
                self._send_attach(now)  # ATTACH_OK re-sends every unacknowledged result, same request ids
                return
            except zmq.ZMQError as err:
                log.warning("event=bad_scheduler_address agent=%s address=%s error=%s", self.agent_id, leader, err)
        # No leader named (an election is under way), this one named itself, or too many redirects
        # in a row: ask the registries again after a pause.
        pause_ms = self._leader_backoff.next_ms()
        self._redirects_in_a_row = 0
        log.info("event=scheduler_not_leader agent=%s scheduler=%s request=%s action=discover_again pause_ms=%d",
                 self.agent_id, sch.endpoint, MsgType(asked).name, pause_ms)
        self._close(sch)
        self._scheduler_state = _NO_ADDRESS
        self._discover_id = b""
        self._discover_not_before_ms = now + pause_ms

    def _on_assign(self, body):
        try:
            a = p.parse_assign(body)
        except OrionError as err:
            log.warning("event=bad_message agent=%s peer=scheduler type=ASSIGN error=%s", self.agent_id, err)
            return
        key = (a["task_id"], a["attempt"])
        if self._stopping:
            log.debug("event=assign_ignored agent=%s task=%s attempt=%d why=stopping", self.agent_id, *key)
            return
        if key in self._running:
            log.debug("event=assign_duplicate agent=%s task=%s attempt=%d", self.agent_id, *key)
            return
        done = self._unacked.get(key)
        if done is not None:
            log.debug("event=assign_duplicate agent=%s task=%s attempt=%d result=resent", self.agent_id, *key)
            self._send_result(done)
            return
        handler = self._handlers.get(a["type"])
        if handler is None:
            log.warning("event=no_handler agent=%s task=%s attempt=%d type=%s", self.agent_id, key[0], key[1],
                        a["type"])
            error = "no handler for task type '%s'" % a["type"]
            self._add_result(key, p.encode_value(p.task_result_body(key[0], key[1], False, None, error)))
            return
        task = _RunningTask(a)
        self._running[key] = task
        if len(self._running) > self._spec["capacity"]:
            log.warning("event=over_capacity agent=%s running=%d capacity=%d task=%s", self.agent_id,
                        len(self._running), self._spec["capacity"], key[0])
        # "started" goes out before the job exists, so it precedes every message the handler causes.
        self._send(self._scheduler, MsgType.TASK_PROGRESS, p.task_progress_body(key[0], key[1], 0.0, "started"))
        log.debug("event=task_started agent=%s task=%s attempt=%d type=%s", self.agent_id, key[0], key[1],
                  a["type"])
        outbox = self._outbox
        self._pool.submit(key, lambda: _run_handler(task, outbox, handler))

    def _on_cancel(self, body):
        try:
            c = p.parse_cancel_task(body)
        except OrionError as err:
            log.warning("event=bad_message agent=%s peer=scheduler type=CANCEL_TASK error=%s", self.agent_id, err)
            return
        task = self._running.get((c["task_id"], c["attempt"]))
        if task is None:
            log.debug("event=cancel_unknown agent=%s task=%s attempt=%d", self.agent_id, c["task_id"], c["attempt"])
            return
        task.cancel_token.set()
        log.debug("event=task_cancelled agent=%s task=%s attempt=%d reason=%s", self.agent_id, c["task_id"],
                  c["attempt"], c["reason"])

    def _on_result_ok(self, e):
        self._scheduler.requests.take(e.request_id)
        try:
            ok = p.parse_result_ok(e.body)
        except OrionError as err:
            log.warning("event=bad_message agent=%s peer=scheduler type=RESULT_OK error=%s", self.agent_id, err)
            return
        if self._unacked.pop((ok["task_id"], ok["attempt"]), None) is not None:
            log.debug("event=result_acknowledged agent=%s task=%s attempt=%d accepted=%s", self.agent_id,
                      ok["task_id"], ok["attempt"], str(ok["accepted"]).lower())

    # ---- results ----

    def _drain_outbox(self):
        for message in self._outbox.take_all():
            if message[0] == "vote":
                if self._voting is not None:
                    self._voting.add_vote(message[1], self._now())
                continue
            if message[0] == "progress":
                _, task_id, attempt, percent, text = message
                # Progress is news: sent only while the attempt runs and the scheduler listens.
                if self._scheduler_state == _ATTACHED and (task_id, attempt) in self._running:
                    self._send(self._scheduler, MsgType.TASK_PROGRESS,
                               p.task_progress_body(task_id, attempt, percent, text))
                continue
            _, task_id, attempt, ok, packed = message
            self._running.pop((task_id, attempt), None)
            log.debug("event=task_finished agent=%s task=%s attempt=%d ok=%s", self.agent_id, task_id, attempt,
                      str(ok).lower())
            self._add_result((task_id, attempt), packed)

    def _add_result(self, key, packed_body):
        pending = [_request_id(), packed_body]  # the same request id on every re-send
        self._unacked[key] = pending
        if self._scheduler_state == _ATTACHED:
            self._send_result(pending)

    def _send_result(self, pending):
        self._send(self._scheduler, MsgType.TASK_RESULT, pending[1], pending[0])

    def _resend_results(self):
        for pending in list(self._unacked.values()):
            self._send_result(pending)

    # ---- stop ----

    def _begin_drain(self, now):
        self._draining = True
        self._scheduler.next_heartbeat_ms = now  # tell the scheduler at once: no new work
        log.info("event=draining agent=%s running=%d unacked_results=%d", self.agent_id, len(self._running),
                 len(self._unacked))

    def _begin_stop(self, now):
        self._stopping = True
        self._stop_deadline_ms = now + STOP_GRACE_MS
        if self._voting is not None:
            self._voting.stopping = True  # no new proposals, no more VOTEs
        for key in self._pool.drop_queued():
            self._running.pop(key, None)
        for task in self._running.values():
            task.cancel_token.set()
        log.info("event=stopping agent=%s running=%d unacked_results=%d", self.agent_id, len(self._running),
                 len(self._unacked))

    def _stop_finished(self, now):
        if now >= self._stop_deadline_ms:
            return True
        return not self._running and (not self._unacked or self._scheduler_state != _ATTACHED)

    def _say_goodbye(self):
        if self._scheduler.socket is not None:
            self._send(self._scheduler, MsgType.DETACH, p.detach_body(self.agent_id), _request_id())
        reg = self._registry
        if reg.socket is not None and self._registry_state == _REGISTERED:
            rid = _request_id()
            self._send(reg, MsgType.DEREGISTER, p.deregister_body(self.agent_id), rid)
            deadline = self._now() + GOODBYE_MS
            answered = False
            # Bounded by turns too, so a stopped test clock cannot hold us here.
            for _ in range(GOODBYE_MS // MAX_POLL_MS + 1):
                left = deadline - self._now()
                if answered or left <= 0:
                    break
                try:
                    if reg.socket.poll(min(left, MAX_POLL_MS), zmq.POLLIN):
                        while not answered:
                            incoming = receive(reg.socket)
                            if incoming is None:
                                break
                            answered = incoming.request_id == rid
                except zmq.ZMQError:
                    pass  # EINTR: try again while time is left
            if not answered:
                log.debug("event=deregister_unanswered agent=%s", self.agent_id)
        if self._unacked or self._running:
            log.warning("event=stopped_with_work agent=%s running=%d unacked_results=%d", self.agent_id,
                        len(self._running), len(self._unacked))
        log.info("event=stopped agent=%s", self.agent_id)
