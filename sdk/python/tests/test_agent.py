"""The Python agent against a fake registry and a fake scheduler: two ROUTER sockets on loopback,
pumped by the test thread, answering the way the real services do (the twin of
tests/unit/sdk/agent_test.cpp). Every wait is on a condition with a deadline; heartbeat_ms is 50
so re-sends come quickly.
"""

import importlib.util
import os
import sys
import threading
import time
import unittest

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

from orion_sdk import Agent, TaskContext  # noqa: E402
from orion_sdk import agent as agent_module  # noqa: E402
from orion_sdk import protocol as p  # noqa: E402
from orion_sdk.protocol import ErrorCode, MsgType  # noqa: E402
from orion_sdk.sockets import make_socket, receive, send_envelope  # noqa: E402

WAIT_MS = 5000  # generous: a loaded 2-core machine must not fail these


def _load_example_agent():
    spec = importlib.util.spec_from_file_location("example_agent", os.path.join(HERE, "..", "examples", "agent.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


example_agent = _load_example_agent()


def now_ms():
    return int(time.monotonic() * 1000)


class Received:
    def __init__(self, msg_type, request_id, body, identity):
        self.type, self.request_id, self.body, self.identity = msg_type, request_id, body, identity


class FakeCluster:
    def __init__(self):
        self.ctx = zmq.Context()
        self.registry = make_socket(self.ctx, zmq.ROUTER)
        self.scheduler = make_socket(self.ctx, zmq.ROUTER)
        self.registry.bind("tcp://127.0.0.1:*")
        self.scheduler.bind("tcp://127.0.0.1:*")
        self.registry_endpoint = self.registry.getsockopt_string(zmq.LAST_ENDPOINT)
        self.scheduler_endpoint = self.scheduler.getsockopt_string(zmq.LAST_ENDPOINT)
        # Knobs, set by the test thread between pumps.
        self.heartbeat_ms = 50
        self.liveness = 40               # 2 s of silence: a busy machine does not trip it by accident
        self.registry_answers = True     # False: the registry swallows everything
        self.scheduler_known = True      # False: DISCOVERY has an empty scheduler_agent
        self.ack_results = True          # False: TASK_RESULT gets no RESULT_OK
        self.not_found_agent_heartbeats = 0
        self.at_registry, self.at_scheduler = [], []
        self.bad_messages = []
        self.agent_identity = None

    def close(self):
        self.registry.close(0)
        self.scheduler.close(0)
        self.ctx.term()

    def pump(self, timeout_ms):
        poller = zmq.Poller()
        poller.register(self.registry, zmq.POLLIN)
        poller.register(self.scheduler, zmq.POLLIN)
        poller.poll(timeout_ms)
        while True:
            incoming = receive(self.registry, routed=True)
            if incoming is None:
                break
            self.on_registry(incoming)
        while True:
            incoming = receive(self.scheduler, routed=True)
            if incoming is None:
                break
            self.on_scheduler(incoming)

    def wait_until(self, done, timeout_ms=WAIT_MS):
        deadline = now_ms() + timeout_ms
        while now_ms() < deadline:
            if done():
                return True
            self.pump(10)
        return done()

    def send_to_agent(self, msg_type, body):
        assert self.agent_identity is not None, "the agent has not attached"
        assert send_envelope(self.scheduler, p.Envelope(msg_type, b"", body), identity=self.agent_identity)

    def send_raw_to_agent(self, frames):
        self.scheduler.send_multipart([self.agent_identity] + frames)

    @staticmethod
    def of(log, msg_type, task_id=None):
        return [r for r in log if r.type == msg_type and (task_id is None or r.body.get("task_id") == task_id)]

    def count_at_registry(self, msg_type):
        return len(self.of(self.at_registry, msg_type))

    def count_at_scheduler(self, msg_type, task_id=None):
        return len(self.of(self.at_scheduler, msg_type, task_id))

    def reply(self, sock, incoming, msg_type, body):
        send_envelope(sock, p.Envelope(msg_type, incoming.request_id, body), identity=incoming.identity)

    def on_registry(self, incoming):
        if incoming.error is not None:
            self.bad_messages.append(incoming.error)
            return
        e = incoming.envelope
        self.at_registry.append(Received(e.type, e.request_id, e.body, incoming.identity))
        if not self.registry_answers:
            return
        if e.type == MsgType.REGISTER:
            self.reply(self.registry, incoming, MsgType.REGISTER_OK,
                       {"heartbeat_ms": self.heartbeat_ms, "liveness": self.liveness, "replaced": False})
        elif e.type == MsgType.HEARTBEAT:
            self.reply(self.registry, incoming, MsgType.HEARTBEAT_OK, {})
        elif e.type == MsgType.DISCOVER:
            self.reply(self.registry, incoming, MsgType.DISCOVERY,
                       {"scheduler_agent": self.scheduler_endpoint if self.scheduler_known else "",
                        "scheduler_client": "", "events_pub": "", "events_sub": "", "consensus": ""})
        elif e.type == MsgType.DEREGISTER:
            self.reply(self.registry, incoming, MsgType.DEREGISTER_OK, {})

    def on_scheduler(self, incoming):
        if incoming.error is not None:
            self.bad_messages.append(incoming.error)
            return
        e = incoming.envelope
        self.at_scheduler.append(Received(e.type, e.request_id, e.body, incoming.identity))
        if e.type == MsgType.ATTACH:
            self.agent_identity = incoming.identity
            self.reply(self.scheduler, incoming, MsgType.ATTACH_OK,
                       {"heartbeat_ms": self.heartbeat_ms, "liveness": self.liveness})
        elif e.type == MsgType.AGENT_HEARTBEAT:
            if self.not_found_agent_heartbeats > 0:
                self.not_found_agent_heartbeats -= 1
                self.reply(self.scheduler, incoming, MsgType.ERROR,
                           p.error_body(ErrorCode.NOT_FOUND, "agent is not attached"))
            else:
                self.reply(self.scheduler, incoming, MsgType.AGENT_HEARTBEAT_OK, {})
        elif e.type == MsgType.TASK_RESULT and self.ack_results:
            self.reply(self.scheduler, incoming, MsgType.RESULT_OK,
                       {"task_id": e.body["task_id"], "attempt": e.body["attempt"], "accepted": True})


def assign_body(task_id, attempt, task_type, input, **extra):
    body = {"task_id": task_id, "attempt": attempt, "type": task_type, "input": input, "metadata": {},
            "timeout_ms": 0}
    body.update(extra)
    return body


class RunningAgent:
    """An Agent running on its own thread."""

    def __init__(self, agent):
        self.agent = agent
        self.rc = None
        self.run_thread = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.run_thread = threading.get_ident()
        self.rc = self.agent.run()

    @property
    def finished(self):
        return not self.thread.is_alive()


class AgentTest(unittest.TestCase):
    def setUp(self):
        self.cluster = FakeCluster()
        self.running = None

    def tearDown(self):
        if self.running is not None:
            # Stop while the fakes answer, so the goodbye is quick (no 2 s wait for acks).
            self.cluster.ack_results = True
            self.cluster.registry_answers = True
            self.running.agent.stop()
            self.cluster.wait_until(lambda: self.running.finished)
            self.running.thread.join(5)
        self.cluster.close()

    def make_agent(self, capacity=2):
        return Agent("agent-under-test", capabilities=["echo", "sleep"], registry=self.cluster.registry_endpoint,
                     capacity=capacity, labels={"zone": "test"}, reconnect_initial_ms=20, reconnect_max_ms=200)

    def start(self, setup=example_agent.add_example_handlers, capacity=2):
        agent = self.make_agent(capacity)
        setup(agent)
        self.running = RunningAgent(agent)
        return agent

    def start_and_attach(self, **kwargs):
        """Starts the agent and waits until it is ATTACHED: an AGENT_HEARTBEAT from the identity
        that attached. (An ATTACH alone is not enough: an agent that did not read ATTACH_OK
        within its first backoff, on a loaded machine, attaches again on a new socket, and an
        ASSIGN sent to the first one is lost.)"""
        agent = self.start(**kwargs)
        c = self.cluster
        self.assertTrue(c.wait_until(lambda: any(
            r.identity == c.agent_identity for r in c.of(c.at_scheduler, MsgType.AGENT_HEARTBEAT))))
        return agent

    def result_of(self, task_id):
        self.assertTrue(self.cluster.wait_until(
            lambda: self.cluster.count_at_scheduler(MsgType.TASK_RESULT, task_id) >= 1),
            "no TASK_RESULT for " + task_id)
        return p.parse_task_result(self.cluster.of(self.cluster.at_scheduler, MsgType.TASK_RESULT, task_id)[0].body)

    def heartbeats_pass(self, n=3):
        """Waits until n more AGENT_HEARTBEATs arrived: the agent has handled what came before."""
        seen = self.cluster.count_at_scheduler(MsgType.AGENT_HEARTBEAT)
        self.assertTrue(self.cluster.wait_until(
            lambda: self.cluster.count_at_scheduler(MsgType.AGENT_HEARTBEAT) >= seen + n))

    # ---- the handshakes ----

    def test_registers_discovers_then_attaches_announcing_its_spec(self):
        agent = self.start_and_attach()
        c = self.cluster
        self.assertEqual(c.at_registry[0].type, MsgType.REGISTER)
        self.assertEqual(len(c.at_registry[0].request_id), 16)
        spec = p.parse_agent_spec(c.at_registry[0].body["agent"])
        self.assertEqual(len(agent.public_key_hex), 64)  # a generated vote key
        self.assertEqual(spec, {"agent_id": "agent-under-test", "capabilities": ["echo", "sleep"], "capacity": 2,
                                "weight": 1.0, "labels": {"zone": "test"}, "sdk_version": "python/0.1",
                                "public_key": agent.public_key_hex})
        self.assertGreaterEqual(c.count_at_registry(MsgType.DISCOVER), 1)
        attach = c.of(c.at_scheduler, MsgType.ATTACH)[0]
        self.assertEqual(p.parse_agent_spec(attach.body["agent"]), spec)
        self.assertEqual(c.bad_messages, [])

    def test_heartbeats_the_registry_and_the_scheduler_once_attached(self):
        self.start_and_attach()
        self.assertTrue(self.cluster.wait_until(lambda: self.cluster.count_at_registry(MsgType.HEARTBEAT) >= 3 and
                                                self.cluster.count_at_scheduler(MsgType.AGENT_HEARTBEAT) >= 3))
        hb = self.cluster.of(self.cluster.at_registry, MsgType.HEARTBEAT)[0].body
        resources = hb.pop("resources")
        self.assertEqual(hb, {"agent_id": "agent-under-test", "load": 0})
        # What the process uses: CPU in cores (0 at the first measurement), its resident memory.
        self.assertEqual(resources["cpu"], 0.0)
        self.assertEqual(resources["handlers"], 0)
        self.assertGreater(resources["memory_bytes"], 1 << 20)
        later = self.cluster.of(self.cluster.at_registry, MsgType.HEARTBEAT)[2].body["resources"]
        self.assertGreaterEqual(later["cpu"], 0.0)
        ahb = self.cluster.of(self.cluster.at_scheduler, MsgType.AGENT_HEARTBEAT)[0].body
        self.assertEqual(ahb, {"agent_id": "agent-under-test", "running": []})

    def test_keeps_discovering_until_the_scheduler_is_known(self):
        self.cluster.scheduler_known = False
        self.start()
        self.assertTrue(self.cluster.wait_until(lambda: self.cluster.count_at_registry(MsgType.DISCOVER) >= 3))
        self.assertEqual(self.cluster.count_at_scheduler(MsgType.ATTACH), 0)
        self.cluster.scheduler_known = True
        self.assertTrue(self.cluster.wait_until(lambda: self.cluster.count_at_scheduler(MsgType.ATTACH) >= 1))

    def test_registers_again_on_a_new_socket_when_the_registry_falls_silent(self):
        self.cluster.liveness = 4  # 200 ms of silence
        self.start_and_attach()
        first = self.cluster.at_registry[0].identity
        self.cluster.registry_answers = False
        self.assertTrue(self.cluster.wait_until(lambda: self.cluster.count_at_registry(MsgType.REGISTER) >= 2))
        again = self.cluster.of(self.cluster.at_registry, MsgType.REGISTER)[1]
        self.assertNotEqual(again.identity, first, "a new socket, so a new ROUTER identity")

    def test_error_not_found_to_an_agent_heartbeat_makes_it_attach_again(self):
        self.start_and_attach()
        self.cluster.not_found_agent_heartbeats = 1
        self.assertTrue(self.cluster.wait_until(lambda: self.cluster.count_at_scheduler(MsgType.ATTACH) >= 2))

    # ---- tasks ----

    def test_echo_reports_started_then_returns_its_input_as_output(self):
        self.start_and_attach()
        value = {"text": "h\u00e9llo \U0001F680", "blob": b"\x00\xff", "big": p.UINT64_MAX, "neg": -42, "half": 2.5,
                 "tenth": 0.1, "nested": [1, {"two": [None, False]}]}
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T1", 1, "echo", value))
        r = self.result_of("T1")
        self.assertEqual((r["ok"], r["output"], r["error"]), (True, value, ""))
        progress = self.cluster.of(self.cluster.at_scheduler, MsgType.TASK_PROGRESS, "T1")
        self.assertEqual(progress[0].body, {"task_id": "T1", "attempt": 1, "progress": 0.0, "message": "started"})
        self.assertEqual(progress[0].request_id, b"")
        order = [m.type for m in self.cluster.at_scheduler if m.body.get("task_id") == "T1"]
        self.assertEqual(order[0], MsgType.TASK_PROGRESS, "started comes before the result")

    def test_the_outputs_of_dependencies_reach_the_handler_as_deps(self):
        self.start_and_attach(setup=lambda a: a.handle("join", lambda ctx: {"deps": ctx.deps, "meta": ctx.metadata,
                                                                             "timeout": ctx.timeout_ms}))
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T3", 1, "join", None, deps={"t1": [1], "t2": "b"},
                                                               metadata={"team": "ml"}, timeout_ms=900))
        r = self.result_of("T3")
        self.assertEqual(r["output"], {"deps": {"t1": [1], "t2": "b"}, "meta": {"team": "ml"}, "timeout": 900})

    def test_resends_a_result_until_the_scheduler_acknowledges_it(self):
        self.cluster.ack_results = False
        self.start_and_attach()
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T2", 1, "echo", {"x": 1}))
        self.assertTrue(self.cluster.wait_until(
            lambda: self.cluster.count_at_scheduler(MsgType.TASK_RESULT, "T2") >= 3))
        sent = self.cluster.of(self.cluster.at_scheduler, MsgType.TASK_RESULT, "T2")
        self.assertEqual(len({s.request_id for s in sent}), 1, "a re-send keeps its request id")
        self.assertEqual(sent[0].body, sent[2].body)

        self.cluster.ack_results = True
        self.assertTrue(self.cluster.wait_until(
            lambda: self.cluster.count_at_scheduler(MsgType.TASK_RESULT, "T2") > len(sent)))  # this one is acked
        after_ack = self.cluster.count_at_scheduler(MsgType.TASK_RESULT, "T2")
        self.heartbeats_pass(3)
        # At most one more: a re-send may have crossed the RESULT_OK on the wire; then it stops.
        self.assertLessEqual(self.cluster.count_at_scheduler(MsgType.TASK_RESULT, "T2"), after_ack + 1)

    def test_a_non_retryable_error_to_a_result_drops_it(self):
        self.cluster.ack_results = False
        self.start_and_attach()
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T4", 1, "echo", 1))
        self.result_of("T4")
        first = self.cluster.of(self.cluster.at_scheduler, MsgType.TASK_RESULT, "T4")[0]
        send_envelope(self.cluster.scheduler, p.Envelope(MsgType.ERROR, first.request_id,
                                                         p.error_body(ErrorCode.INVALID_ARGUMENT, "field 'x'")),
                      identity=self.cluster.agent_identity)
        self.heartbeats_pass(2)
        count = self.cluster.count_at_scheduler(MsgType.TASK_RESULT, "T4")
        self.heartbeats_pass(3)
        self.assertEqual(self.cluster.count_at_scheduler(MsgType.TASK_RESULT, "T4"), count)

    def test_resends_an_unacknowledged_result_after_attaching_again(self):
        self.cluster.ack_results = False
        self.start_and_attach()
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T5", 1, "echo", "v"))
        self.result_of("T5")
        request_id = self.cluster.of(self.cluster.at_scheduler, MsgType.TASK_RESULT, "T5")[0].request_id
        self.cluster.not_found_agent_heartbeats = 1
        self.assertTrue(self.cluster.wait_until(lambda: self.cluster.count_at_scheduler(MsgType.ATTACH) >= 2))
        attach_at = max(i for i, m in enumerate(self.cluster.at_scheduler) if m.type == MsgType.ATTACH)
        self.assertTrue(self.cluster.wait_until(lambda: any(
            m.type == MsgType.TASK_RESULT for m in self.cluster.at_scheduler[attach_at + 1:])))
        resent = [m for m in self.cluster.at_scheduler[attach_at + 1:] if m.type == MsgType.TASK_RESULT][0]
        self.assertEqual((resent.body["task_id"], resent.request_id), ("T5", request_id))

    def test_answers_an_unknown_task_type_at_once_with_a_failed_result(self):
        self.start_and_attach()
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T6", 1, "transcode", None))
        r = self.result_of("T6")
        self.assertEqual((r["ok"], r["error"]), (False, "no handler for task type 'transcode'"))
        self.assertEqual(self.cluster.count_at_scheduler(MsgType.TASK_PROGRESS, "T6"), 0)

    def test_reports_a_handler_exception_as_a_failed_result_with_its_message(self):
        self.start_and_attach()
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T7", 1, "fail", {"message": "disk on fire"}))
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T8", 1, "fail", None))
        self.assertEqual((self.result_of("T7")["ok"], self.result_of("T7")["error"]), (False, "disk on fire"))
        self.assertEqual(self.result_of("T8")["error"], "failed on purpose")

    def test_an_output_that_cannot_be_sent_fails_the_attempt_saying_why(self):
        big = "x" * (p.MAX_INPUT_BYTES + 1)
        self.start_and_attach(setup=lambda a: (a.handle("big", lambda ctx: big), a.handle("set", lambda ctx: {1, 2})))
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T9", 1, "big", None))
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T10", 1, "set", None))
        r = self.result_of("T9")
        self.assertFalse(r["ok"])
        self.assertIn("more than the limit of %d" % p.MAX_INPUT_BYTES, r["error"])
        r = self.result_of("T10")
        self.assertFalse(r["ok"])
        self.assertIn("cannot be sent", r["error"])

    def test_flaky_fails_its_first_attempts_then_echoes(self):
        self.start_and_attach()
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T11", 1, "flaky", {"failures": 1}))
        self.assertEqual(self.result_of("T11")["error"], "flaky failure 1")
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T11", 2, "flaky", {"failures": 1}))
        self.assertTrue(self.cluster.wait_until(lambda: any(
            m.body["attempt"] == 2 for m in self.cluster.of(self.cluster.at_scheduler, MsgType.TASK_RESULT, "T11"))))
        second = [m.body for m in self.cluster.of(self.cluster.at_scheduler, MsgType.TASK_RESULT, "T11")
                  if m.body["attempt"] == 2][0]
        self.assertEqual((second["ok"], second["output"]), (True, {"failures": 1}))

    def test_sleep_reports_progress_and_returns_how_long_it_slept(self):
        self.start_and_attach()
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T12", 1, "sleep", {"ms": 120}))
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T13", 1, "sleep", {"ms": -1}))
        self.assertEqual(self.result_of("T12")["output"], {"slept_ms": 120})
        self.assertEqual(self.result_of("T13")["error"], "input.ms must be a non-negative integer")
        progress = [m.body for m in self.cluster.of(self.cluster.at_scheduler, MsgType.TASK_PROGRESS, "T12")]
        self.assertEqual(progress[-1], {"task_id": "T12", "attempt": 1, "progress": 100.0,
                                        "message": "slept 120 of 120 ms"})
        self.assertEqual([m["progress"] for m in progress], [0.0, 41.0, 83.0, 100.0])

    def test_cancel_task_for_the_running_attempt_cancels_a_sleep_and_no_other(self):
        self.start_and_attach()
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T14", 3, "sleep", {"ms": 60_000}))
        # The handler's own progress (after "started") proves it runs.
        self.assertTrue(self.cluster.wait_until(
            lambda: self.cluster.count_at_scheduler(MsgType.TASK_PROGRESS, "T14") >= 2))
        self.cluster.send_to_agent(MsgType.CANCEL_TASK, {"task_id": "T14", "attempt": 2, "reason": "old attempt"})
        self.heartbeats_pass(2)
        self.assertEqual(self.cluster.count_at_scheduler(MsgType.TASK_RESULT, "T14"), 0, "another attempt's cancel")
        self.cluster.send_to_agent(MsgType.CANCEL_TASK, {"task_id": "T14", "attempt": 3, "reason": "user"})
        r = self.result_of("T14")
        self.assertEqual((r["ok"], r["attempt"], r["error"]), (False, 3, "cancelled"))

    def test_every_attach_says_which_attempts_it_holds_running_or_with_a_result_unacknowledged(self):
        self.cluster.ack_results = False
        self.start_and_attach()
        first = self.cluster.of(self.cluster.at_scheduler, MsgType.ATTACH)[0].body
        self.assertEqual(first["running"], [], "said, even when empty")
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T20", 1, "sleep", {"ms": 60_000}))
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T21", 2, "echo", 1))
        self.result_of("T21")  # never acknowledged
        self.assertTrue(self.cluster.wait_until(
            lambda: self.cluster.count_at_scheduler(MsgType.TASK_PROGRESS, "T20") >= 1))
        self.cluster.not_found_agent_heartbeats = 1
        self.assertTrue(self.cluster.wait_until(lambda: self.cluster.count_at_scheduler(MsgType.ATTACH) >= 2))
        again = self.cluster.of(self.cluster.at_scheduler, MsgType.ATTACH)[-1].body
        self.assertEqual(sorted((r["task_id"], r["attempt"]) for r in again["running"]), [("T20", 1), ("T21", 2)])

    def test_a_cancelled_job_that_no_worker_started_never_runs_its_handler(self):
        started = []

        def wait(ctx):
            started.append(ctx.task_id)
            while not ctx.cancel_token.wait(0.005):
                pass
            raise RuntimeError("cancelled")
        self.start_and_attach(setup=lambda a: a.handle("wait", wait))
        for task_id in ("T30", "T31", "T32"):  # capacity 2: the third waits for a worker
            self.cluster.send_to_agent(MsgType.ASSIGN, assign_body(task_id, 1, "wait", None))
        self.assertTrue(self.cluster.wait_until(lambda: len(started) == 2))
        self.cluster.send_to_agent(MsgType.CANCEL_TASK, {"task_id": "T32", "attempt": 1, "reason": "stale"})
        self.cluster.send_to_agent(MsgType.CANCEL_TASK, {"task_id": "T30", "attempt": 1, "reason": "stale"})
        r = self.result_of("T32")
        self.assertEqual((r["ok"], r["error"]), (False, "cancelled before it started"))
        self.assertEqual(self.result_of("T30")["error"], "cancelled")
        self.assertEqual(sorted(started), ["T30", "T31"], "T32's handler never ran")

    def test_ignores_a_second_assign_of_a_running_attempt_and_resends_a_finished_ones_result(self):
        self.cluster.ack_results = False
        gate = threading.Event()
        calls = []

        def gated(ctx):
            calls.append(ctx.task_id)
            gate.wait(10)
            return "done"
        self.start_and_attach(setup=lambda a: a.handle("gated", gated))
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T15", 1, "gated", None))
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T15", 1, "gated", None))
        self.heartbeats_pass(2)
        gate.set()
        self.result_of("T15")
        results = self.cluster.count_at_scheduler(MsgType.TASK_RESULT, "T15")
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T15", 1, "gated", None))
        self.assertTrue(self.cluster.wait_until(
            lambda: self.cluster.count_at_scheduler(MsgType.TASK_RESULT, "T15") > results))
        self.assertEqual(calls, ["T15"], "one handler call per (task, attempt)")
        self.assertEqual(self.cluster.count_at_scheduler(MsgType.TASK_PROGRESS, "T15"), 1)

    def test_handlers_run_on_capacity_worker_threads_off_the_networking_thread(self):
        gate = threading.Event()
        lock = threading.Lock()
        state = {"now": 0, "most": 0, "threads": set()}

        def busy(ctx):
            with lock:
                state["now"] += 1
                state["most"] = max(state["most"], state["now"])
                state["threads"].add(threading.get_ident())
            gate.wait(10)
            with lock:
                state["now"] -= 1
            return ctx.task_id

        self.start_and_attach(setup=lambda a: a.handle("busy", busy), capacity=3)
        for i in range(5):
            self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("B%d" % i, 1, "busy", None))
        self.assertTrue(self.cluster.wait_until(lambda: state["now"] == 3))
        self.heartbeats_pass(3)
        self.assertEqual(state["now"], 3, "never more than capacity at once")
        # The networking thread still runs while every worker is busy, and reports them.
        hb = self.cluster.of(self.cluster.at_scheduler, MsgType.AGENT_HEARTBEAT)[-1].body
        self.assertEqual(len(hb["running"]), 5)
        gate.set()
        for i in range(5):
            self.assertEqual(self.result_of("B%d" % i)["output"], "B%d" % i)
        self.assertEqual(state["most"], 3)
        self.assertNotIn(self.running.run_thread, state["threads"])

    def test_bad_frames_from_the_scheduler_change_nothing_and_the_agent_keeps_serving(self):
        self.start_and_attach()
        self.cluster.send_raw_to_agent([b"ORION/2", b"\x36", b"", p.encode_value({})])
        self.cluster.send_raw_to_agent([b"ORION/1", b"\x36", b"", b"\xc1"])
        self.cluster.send_raw_to_agent([b"ORION/1", b"\x36", b"", b"\x91" * 50 + b"\x01"])
        self.cluster.send_raw_to_agent([b"ORION/1"] * 12)
        self.cluster.send_to_agent(MsgType.ASSIGN, {"task_id": "T16", "attempt": 0, "type": "echo"})  # bad field
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T17", 1, "echo", "still here"))
        self.assertEqual(self.result_of("T17")["output"], "still here")
        self.assertEqual(self.cluster.count_at_scheduler(MsgType.TASK_RESULT, "T16"), 0)
        self.assertFalse(self.running.finished)

    # ---- stop ----

    def test_stop_sends_detach_and_deregister_and_run_returns_zero(self):
        agent = self.start_and_attach()
        agent.stop()
        self.assertTrue(self.cluster.wait_until(lambda: self.running.finished))
        self.assertEqual(self.running.rc, 0)
        self.assertTrue(self.cluster.wait_until(lambda: self.cluster.count_at_scheduler(MsgType.DETACH) >= 1))
        self.assertEqual(self.cluster.count_at_registry(MsgType.DEREGISTER), 1)
        self.assertEqual(self.cluster.of(self.cluster.at_scheduler, MsgType.DETACH)[0].body,
                         {"agent_id": "agent-under-test"})

    def test_stop_cancels_a_running_handler_and_delivers_its_result_first(self):
        agent = self.start_and_attach()
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T18", 1, "sleep", {"ms": 60_000}))
        self.assertTrue(self.cluster.wait_until(
            lambda: self.cluster.count_at_scheduler(MsgType.TASK_PROGRESS, "T18") >= 2))
        agent.stop()
        self.assertTrue(self.cluster.wait_until(lambda: self.running.finished))
        self.assertEqual(self.result_of("T18")["error"], "cancelled")
        types = [m.type for m in self.cluster.at_scheduler]
        self.assertLess(types.index(MsgType.TASK_RESULT), types.index(MsgType.DETACH))

    def test_drain_lets_running_work_finish_uncancelled_then_leaves(self):
        agent = self.start_and_attach()
        self.cluster.send_to_agent(MsgType.ASSIGN, assign_body("T19", 1, "sleep", {"ms": 300}))
        self.assertTrue(self.cluster.wait_until(
            lambda: self.cluster.count_at_scheduler(MsgType.TASK_PROGRESS, "T19") >= 2))
        agent.drain()
        self.assertTrue(self.cluster.wait_until(lambda: any(
            m.body.get("draining") is True
            for m in self.cluster.of(self.cluster.at_scheduler, MsgType.AGENT_HEARTBEAT))))
        self.assertTrue(self.cluster.wait_until(lambda: self.running.finished))
        self.assertEqual(self.running.rc, 0)
        r = self.result_of("T19")
        self.assertEqual((r["ok"], r["output"]), (True, {"slept_ms": 300}), "drain does not cancel")
        types = [m.type for m in self.cluster.at_scheduler]
        self.assertLess(types.index(MsgType.TASK_RESULT), types.index(MsgType.DETACH))
        self.assertEqual(self.cluster.count_at_registry(MsgType.DEREGISTER), 1)

    def test_a_drain_from_the_scheduler_makes_an_idle_agent_leave(self):
        self.start_and_attach()
        plain = self.cluster.of(self.cluster.at_scheduler, MsgType.AGENT_HEARTBEAT)
        self.assertTrue(all("draining" not in m.body for m in plain), "draining is sent only when true")
        self.cluster.send_to_agent(MsgType.DRAIN, {"reason": "maintenance"})
        self.assertTrue(self.cluster.wait_until(lambda: self.running.finished))
        self.assertEqual(self.running.rc, 0)
        self.assertEqual(self.cluster.count_at_scheduler(MsgType.DETACH), 1)

    def test_stop_before_run_makes_run_return_at_once(self):
        agent = self.make_agent()
        agent.stop()
        started = now_ms()
        self.assertEqual(agent.run(), 0)
        self.assertLess(now_ms() - started, 3000)


class AgentApiTest(unittest.TestCase):
    def test_options_the_registry_would_refuse_are_refused_at_once(self):
        for kwargs in ({"agent_id": ""}, {"agent_id": "a", "capacity": 0}, {"agent_id": "a", "capacity": 1.5},
                       {"agent_id": "a", "weight": 0}, {"agent_id": "a", "capabilities": ["x" * 257]},
                       {"agent_id": "a" * 257}, {"agent_id": "a", "capabilities": "gpu"},
                       {"agent_id": "a", "labels": {"k": 1}}):
            with self.assertRaises(ValueError, msg=str(kwargs)):
                Agent(**kwargs)

    def test_the_vote_handler_must_be_callable_and_set_before_run(self):
        agent = Agent("a", registry="tcp://127.0.0.1:1")  # nothing listens: run() only starts and stops
        self.assertIsNone(agent.vote_handler)
        handler = agent.on_vote(lambda proposal: True)
        self.assertIs(agent.vote_handler, handler)
        with self.assertRaises(TypeError):
            agent.on_vote("yes")
        agent.stop()
        agent.run()
        with self.assertRaises(RuntimeError):
            agent.on_vote(lambda proposal: True)

    def test_a_given_secret_key_or_seed_gives_its_public_key_and_a_bad_one_is_refused(self):
        seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # RFC 8032 test 1
        public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        self.assertEqual(Agent("a", secret_key=seed).public_key_hex, public)
        self.assertEqual(Agent("a", secret_key=seed + public).public_key_hex, public)
        self.assertEqual(Agent("a", secret_key=seed.upper()).public_key_hex, public)
        self.assertNotEqual(Agent("a").public_key_hex, Agent("b").public_key_hex)  # generated
        for bad in ("", "zz" * 32, seed[:-1], seed + "00"):
            with self.assertRaises(ValueError, msg=bad):
                Agent("a", secret_key=bad)

    def test_handlers_must_be_callable_and_registered_before_run(self):
        agent = Agent("a", registry="tcp://127.0.0.1:1")
        with self.assertRaises(TypeError):
            agent.handle("echo", None)

        @agent.handler("echo")
        def echo(ctx):
            return ctx.input
        agent.stop()
        agent.run()
        with self.assertRaises(RuntimeError):
            agent.handle("late", echo)
        with self.assertRaises(RuntimeError):
            agent.run()

    def test_progress_is_clamped_cut_and_queued_for_the_networking_thread(self):
        outbox = agent_module._Outbox()
        task = agent_module._RunningTask({"task_id": "T", "attempt": 3, "type": "t", "input": None, "metadata": {},
                                          "deps": {}, "timeout_ms": 0})
        ctx = TaskContext(task, outbox)
        ctx.progress(150, "over")
        ctx.progress(-5)
        ctx.progress(float("nan"), "\u00e9" * 3000)
        sent = outbox.take_all()
        self.assertEqual(sent[0], ("progress", "T", 3, 100.0, "over"))
        self.assertEqual(sent[1][3], 0.0)
        self.assertEqual(sent[2][3], 0.0)
        self.assertEqual(len(sent[2][4].encode()), 4096)
        self.assertFalse(ctx.cancelled())
        task.cancel_token.set()
        self.assertTrue(ctx.cancelled())


if __name__ == "__main__":
    unittest.main()
