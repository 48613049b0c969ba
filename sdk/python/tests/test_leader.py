"""The Python Client follows the leader by itself (orion_sdk/leader.py; the twin of
tests/unit/sdk/client_follow_test.cpp): against fake registries and fake schedulers (ROUTER
sockets on loopback answered by a thread), a request ends at the leader with the same request id
on every try, and gives up within call_timeout_ms naming what it tried.
"""

import os
import sys
import threading
import time
import unittest

import zmq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from orion_sdk import Client, OrionError  # noqa: E402
from orion_sdk import protocol as p  # noqa: E402
from orion_sdk.leader import split_endpoints  # noqa: E402
from orion_sdk.protocol import ErrorCode, MsgType  # noqa: E402
from orion_sdk.sockets import make_socket, receive, send_envelope  # noqa: E402


def now_ms():
    return int(time.monotonic() * 1000)


def error(code, message, leader=None):
    body = p.error_body(code, message)
    if leader is not None:
        body["leader"] = leader
    return MsgType.ERROR, body


class FakeRouters:
    """Named ROUTER sockets answered by a thread until close(): handlers[name](envelope) returns
    (type, body) to answer, or None to stay silent. Everything received is logged."""

    def __init__(self, names):
        self.ctx = zmq.Context()
        self.sockets = {}
        for name in names:
            s = make_socket(self.ctx, zmq.ROUTER)
            s.bind("tcp://127.0.0.1:*")
            self.sockets[name] = s
        self.endpoints = {n: s.getsockopt_string(zmq.LAST_ENDPOINT) for n, s in self.sockets.items()}
        self.handlers = {}
        self._received = {n: [] for n in names}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        for s in self.sockets.values():
            s.close(0)
        self.ctx.term()

    def received(self, name, msg_type=None):
        with self._lock:
            return [e for e in self._received[name] if msg_type is None or e.type == msg_type]

    def _serve(self):
        poller = zmq.Poller()
        for s in self.sockets.values():
            poller.register(s, zmq.POLLIN)
        while not self._stop.is_set():
            poller.poll(10)
            for name, s in self.sockets.items():
                while True:
                    incoming = receive(s, routed=True)
                    if incoming is None:
                        break
                    if incoming.envelope is None:
                        continue
                    with self._lock:
                        self._received[name].append(incoming.envelope)
                    handler = self.handlers.get(name)
                    answer = handler(incoming.envelope) if handler else None
                    if answer is not None:
                        send_envelope(s, p.Envelope(answer[0], incoming.request_id, answer[1]),
                                      identity=incoming.identity)


def registry_naming(fakes, name_of_scheduler):
    """A registry handler whose DISCOVERY names fakes.endpoints[name_of_scheduler()]."""
    def handle(e):
        if e.type == MsgType.DISCOVER:
            return MsgType.DISCOVERY, {"scheduler_client": fakes.endpoints[name_of_scheduler()], "scheduler_agent": "",
                                       "events_pub": "", "events_sub": "", "consensus": ""}
        if e.type == MsgType.LIST_AGENTS:
            return MsgType.AGENT_LIST, {"agents": []}
        return None
    return handle


class ClientFollowsTheLeaderTest(unittest.TestCase):
    def setUp(self):
        self.fakes = None
        self.client = None

    def tearDown(self):
        if self.client is not None:
            self.client.close()
        if self.fakes is not None:
            self.fakes.close()

    def make(self, names):
        self.fakes = FakeRouters(names)
        return self.fakes

    def connect(self, registries=("registry",), request_timeout_ms=300, call_timeout_ms=3000):
        endpoints = ",".join(self.fakes.endpoints[r] for r in registries)
        self.client = Client(endpoints, request_timeout_ms=request_timeout_ms, call_timeout_ms=call_timeout_ms)
        return self.client

    def test_not_leader_naming_the_leader_is_resent_there_with_the_same_request_id(self):
        f = self.make(["registry", "follower", "leader"])
        f.handlers["registry"] = registry_naming(f, lambda: "follower")  # the registry is out of date
        f.handlers["follower"] = lambda e: error(ErrorCode.NOT_LEADER, "not the leader", f.endpoints["leader"])
        f.handlers["leader"] = lambda e: (MsgType.SUBMIT_OK, {"task_id": "t1", "duplicate": False})
        f.start()
        task_id = self.connect().submit("echo", {"x": 1})
        self.assertEqual(task_id, "t1")
        at_follower, at_leader = f.received("follower"), f.received("leader")
        self.assertEqual([e.type for e in at_follower], [MsgType.SUBMIT])
        self.assertEqual([e.type for e in at_leader], [MsgType.SUBMIT])
        self.assertEqual(at_follower[0].request_id, at_leader[0].request_id)
        self.assertEqual(at_follower[0].body, at_leader[0].body)
        # The leader is remembered: the next call goes straight to it.
        self.client.call(True, MsgType.GET_TASK, {"task_id": "t1"}, 300)
        self.assertEqual(len(f.received("follower")), 1)
        self.assertEqual(len(f.received("leader")), 2)

    def test_unavailable_twice_then_ok_is_retried_after_asking_the_registry_again_with_one_request_id(self):
        f = self.make(["registry", "leader"])
        f.handlers["registry"] = registry_naming(f, lambda: "leader")
        answers = [error(ErrorCode.UNAVAILABLE, "outcome unknown"), error(ErrorCode.UNAVAILABLE, "outcome unknown")]
        f.handlers["leader"] = lambda e: answers.pop(0) if answers else (MsgType.TASK_INFO, {})
        f.start()
        reply = self.connect().call(True, MsgType.GET_TASK, {"task_id": "t1"}, 300)
        self.assertEqual(reply.type, MsgType.TASK_INFO)
        tries = f.received("leader", MsgType.GET_TASK)
        self.assertEqual(len(tries), 3)
        self.assertEqual(len({e.request_id for e in tries}), 1)
        self.assertEqual(len(f.received("registry", MsgType.DISCOVER)), 3,
                         "one DISCOVER first, then one after each UNAVAILABLE")

    def test_not_leader_without_a_leader_pauses_and_asks_the_registry_again(self):
        f = self.make(["registry", "candidate", "leader"])
        f.handlers["registry"] = registry_naming(
            f, lambda: "candidate" if len(f.received("registry", MsgType.DISCOVER)) <= 1 else "leader")
        f.handlers["candidate"] = lambda e: error(ErrorCode.NOT_LEADER, "election under way", "")
        f.handlers["leader"] = lambda e: (MsgType.CANCEL_OK, {})
        f.start()
        self.connect().call(True, MsgType.CANCEL, {"task_id": "t1", "reason": "why"}, 300)
        self.assertEqual(len(f.received("registry", MsgType.DISCOVER)), 2)
        at_candidate, at_leader = f.received("candidate"), f.received("leader")
        self.assertEqual(len(at_candidate), 1)
        self.assertEqual(len(at_leader), 1)
        self.assertEqual(at_candidate[0].request_id, at_leader[0].request_id)

    def test_a_silent_scheduler_is_given_up_on_within_the_bound_naming_what_was_tried(self):
        f = self.make(["registry", "silent"])
        f.handlers["registry"] = registry_naming(f, lambda: "silent")
        f.start()  # "silent" has no handler: it never answers
        client = self.connect(request_timeout_ms=200, call_timeout_ms=1000)
        start = now_ms()
        with self.assertRaises(OrionError) as cm:
            client.call(True, MsgType.SUBMIT, {}, 200)
        took = now_ms() - start
        self.assertEqual(cm.exception.code, ErrorCode.UNAVAILABLE)
        self.assertGreaterEqual(took, 900)
        self.assertLess(took, 2000, "the bound is call_timeout_ms (1000 ms)")
        message = cm.exception.message
        tries = f.received("silent", MsgType.SUBMIT)
        self.assertGreaterEqual(len(tries), 2)
        self.assertIn("scheduler SUBMIT", message)
        self.assertIn(f.endpoints["silent"] + " (no reply)", message)
        self.assertIn("after %d tries" % len(tries), message)
        self.assertIn("last error", message)
        self.assertEqual(len({e.request_id for e in tries}), 1, "one request id on every try")

    def test_an_error_that_is_not_a_redirect_or_unavailable_is_raised_at_once(self):
        f = self.make(["registry", "leader"])
        f.handlers["registry"] = registry_naming(f, lambda: "leader")
        f.handlers["leader"] = lambda e: error(ErrorCode.NOT_FOUND, "task t9 does not exist")
        f.start()
        with self.assertRaises(OrionError) as cm:
            self.connect().status("t9")
        self.assertEqual(cm.exception.code, ErrorCode.NOT_FOUND)
        self.assertEqual(len(f.received("leader")), 1)

    def test_a_silent_registry_of_the_list_is_skipped_for_the_next(self):
        f = self.make(["dead-registry", "registry", "leader"])
        f.handlers["registry"] = registry_naming(f, lambda: "leader")
        f.handlers["leader"] = lambda e: (MsgType.TASK_INFO, {})
        f.start()
        client = self.connect(registries=("dead-registry", "registry"), request_timeout_ms=200)
        self.assertEqual(client.agents(), [])
        client.call(True, MsgType.GET_TASK, {"task_id": "t1"}, 200)
        dead, alive = f.received("dead-registry", MsgType.LIST_AGENTS), f.received("registry", MsgType.LIST_AGENTS)
        self.assertEqual(len(dead), 1)
        self.assertEqual(len(alive), 1)
        self.assertEqual(dead[0].request_id, alive[0].request_id)
        self.assertEqual(f.received("dead-registry", MsgType.DISCOVER), [], "the registry that answered is kept")

    def test_every_registry_silent_fails_naming_them_all(self):
        f = self.make(["r1", "r2"])
        f.start()
        client = self.connect(registries=("r1", "r2"), request_timeout_ms=150, call_timeout_ms=700)
        with self.assertRaises(OrionError) as cm:
            client.discover()
        self.assertEqual(cm.exception.code, ErrorCode.UNAVAILABLE)
        self.assertIn(f.endpoints["r1"], cm.exception.message)
        self.assertIn(f.endpoints["r2"], cm.exception.message)

    def test_split_endpoints_trims_drops_empty_items_and_keeps_the_first_of_duplicates(self):
        self.assertEqual(split_endpoints("tcp://a:1, tcp://b:2,,tcp://a:1 ,"), ["tcp://a:1", "tcp://b:2"])
        self.assertEqual(split_endpoints(" , "), [])
        self.assertEqual(split_endpoints(""), [])

    def test_an_address_without_a_scheme_is_refused_with_the_fix(self):
        with self.assertRaises(ValueError) as cm:
            split_endpoints("127.0.0.1:7100")
        self.assertEqual(str(cm.exception), "registry '127.0.0.1:7100' has no scheme: write tcp://127.0.0.1:7100")
        with self.assertRaises(ValueError) as cm:
            split_endpoints("tcp://a:1,http://b:2")
        self.assertIn("write tcp://HOST:PORT", str(cm.exception))
        with self.assertRaises(ValueError):
            split_endpoints("tcp://host")
        self.assertEqual(split_endpoints("ipc:///tmp/r.sock,tcp://[::1]:7100"), ["ipc:///tmp/r.sock", "tcp://[::1]:7100"])


if __name__ == "__main__":
    unittest.main()
