"""Distributed decisions in the Python client (orion_sdk/decisions.py and Client): voter
resolution, and the consensus client against a fake registry and two fake replicas served by a
thread (a follower that redirects, a leader scripted per test): redirects and retries keep one
request id, errors reach the caller, make_distributed_decision sends the PROPOSE the leader would
accept, wait_decision long-polls until decided.
"""

import os
import sys
import threading
import unittest

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

from orion_sdk import Client  # noqa: E402
from orion_sdk import consensus_messages as cm  # noqa: E402
from orion_sdk import protocol as p  # noqa: E402
from orion_sdk.decisions import resolve_voters  # noqa: E402
from orion_sdk.protocol import ErrorCode, MsgType, OrionError  # noqa: E402
from orion_sdk.sockets import make_socket, receive, send_envelope  # noqa: E402

KEY_A, KEY_B, KEY_C = "a" * 64, "b" * 64, "c" * 64


def agent(agent_id, caps, state, weight=1.0, key=KEY_A):
    return {"agent_id": agent_id, "capabilities": caps, "capacity": 1, "weight": weight, "labels": {},
            "sdk_version": "test", "public_key": key, "state": state, "load": 0, "registered_ms": 0,
            "last_seen_ms": 0}


FLEET = [agent("a1", ["deploy", "gpu"], "UP", 2.5, KEY_A), agent("a2", ["deploy"], "DOWN", 1.0, KEY_B),
         agent("a3", ["deploy2"], "UP", 1.0, KEY_C), agent("a4", ["deploy"], "UP", 1.0, KEY_B)]


class ResolveVotersTest(unittest.TestCase):
    def test_the_capability_means_every_live_agent_with_exactly_that_capability(self):
        voters = resolve_voters(FLEET, "deploy")
        self.assertEqual(voters, [cm.voter("a1", 2.5, KEY_A), cm.voter("a4", 1.0, KEY_B)])

    def test_named_voters_are_taken_whatever_their_state_or_capability(self):
        self.assertEqual([v["agent_id"] for v in resolve_voters(FLEET, "deploy", ["a2", "a3"])], ["a2", "a3"])

    def test_refuses_what_cannot_vote_saying_what_to_fix(self):
        keyless = [dict(a, public_key="") if a["agent_id"] == "a4" else a for a in FLEET]
        for args, code, needle in ((("", ()), ErrorCode.INVALID_ARGUMENT, "name the voters"),
                                   (("", ["a1", "ghost"]), ErrorCode.NOT_FOUND, "ghost"),
                                   (("quantum", ()), ErrorCode.FAILED_PRECONDITION, "quantum")):
            with self.assertRaises(OrionError) as caught:
                resolve_voters(FLEET, *args)
            self.assertEqual(caught.exception.code, code)
            self.assertIn(needle, caught.exception.message)
        with self.assertRaises(OrionError) as caught:
            resolve_voters(keyless, "deploy")
        self.assertIn("a4 has no public key", caught.exception.message)


class FakeServices:
    """A registry and two consensus replicas on loopback, answered by a thread until close()."""

    def __init__(self):
        self.ctx = zmq.Context()
        self.sockets = {}
        for name in ("registry", "leader", "follower"):
            s = make_socket(self.ctx, zmq.ROUTER)
            s.bind("tcp://127.0.0.1:*")
            self.sockets[name] = s
        self.endpoints = {n: s.getsockopt_string(zmq.LAST_ENDPOINT) for n, s in self.sockets.items()}
        self.discovered = "follower"       # DISCOVERY consensus names this replica
        self.leader_script = []            # replies to the leader's next requests: "ok", "silent" or an ErrorCode
        self.pending_polls = 0             # WAIT_PROPOSALs answered PENDING before the decision
        self.received = {"registry": [], "leader": [], "follower": []}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self):
        self._stop.set()
        self._thread.join(5)
        for s in self.sockets.values():
            s.close(0)
        self.ctx.term()

    def log(self, name):
        with self._lock:
            return list(self.received[name])

    def _serve(self):
        poller = zmq.Poller()
        for s in self.sockets.values():
            poller.register(s, zmq.POLLIN)
        while not self._stop.is_set():
            poller.poll(20)
            for name, s in self.sockets.items():
                while True:
                    incoming = receive(s, routed=True)
                    if incoming is None:
                        break
                    if incoming.envelope is not None:
                        with self._lock:
                            self.received[name].append(incoming.envelope)
                        getattr(self, "_on_" + name)(s, incoming)

    def _reply(self, s, incoming, msg_type, body):
        send_envelope(s, p.Envelope(msg_type, incoming.request_id, body), identity=incoming.identity)

    def _on_registry(self, s, incoming):
        e = incoming.envelope
        if e.type == MsgType.DISCOVER:
            self._reply(s, incoming, MsgType.DISCOVERY,
                        {"scheduler_client": "", "scheduler_agent": "", "events_pub": "", "events_sub": "",
                         "consensus": self.endpoints[self.discovered]})
        elif e.type == MsgType.LIST_AGENTS:
            self._reply(s, incoming, MsgType.AGENT_LIST, {"agents": FLEET})

    def _on_follower(self, s, incoming):
        body = dict(p.error_body(ErrorCode.NOT_LEADER, "not the leader"), leader=self.endpoints["leader"])
        self._reply(s, incoming, MsgType.ERROR, body)

    def _on_leader(self, s, incoming):
        e = incoming.envelope
        step = self.leader_script.pop(0) if self.leader_script else "ok"
        if step == "silent":
            return
        if step != "ok":
            self._reply(s, incoming, MsgType.ERROR, p.error_body(step, "scripted"))
            return
        if e.type == MsgType.PROPOSE:
            self._reply(s, incoming, MsgType.PROPOSE_OK, {"proposal_id": "p1", "outcome": 1, "duplicate": False})
            return
        decided = e.type == MsgType.GET_PROPOSAL or self.pending_polls == 0
        if not decided:
            self.pending_polls -= 1
        view = {"proposal_id": e.body["proposal_id"], "type": "deploy", "consensus_type": 1,
                "outcome": 2 if decided else 1,
                "votes": [{"agent_id": "a1", "vote": "yes", "weight": 2.5}] if decided else [],
                "tally": {"eligible": 2, "yes": 1 if decided else 0, "yes_weight": 2.5 if decided else 0.0,
                          "eligible_weight": 3.5}}
        self._reply(s, incoming, MsgType.PROPOSAL_INFO, {"proposal": view})


class ClientDecisionTest(unittest.TestCase):
    def setUp(self):
        self.services = FakeServices()
        self.client = Client(self.services.endpoints["registry"], request_timeout_ms=300, call_timeout_ms=3000)

    def tearDown(self):
        self.client.close()
        self.services.close()

    def test_proposes_to_the_live_agents_of_the_capability_through_a_redirect_with_one_request_id(self):
        pid = self.client.make_distributed_decision("deploy", {"v": 2}, "weighted", 30_000, capability="deploy")
        self.assertEqual(pid, "p1")
        at_follower, at_leader = self.services.log("follower"), self.services.log("leader")
        self.assertEqual([e.type for e in at_follower], [MsgType.PROPOSE])
        self.assertEqual([e.type for e in at_leader], [MsgType.PROPOSE])
        self.assertEqual(at_follower[0].request_id, at_leader[0].request_id)
        sent = cm.parse_propose(at_leader[0].body)
        self.assertEqual(sent["type"], "deploy")
        self.assertEqual(sent["data"], {"v": 2})
        self.assertEqual(sent["consensus_type"], cm.ConsensusType.WEIGHTED)
        self.assertEqual(sent["capability"], "deploy")
        self.assertEqual(sent["timeout_ms"], 30_000)
        self.assertEqual(sent["proposer"], "python-sdk")
        self.assertEqual(sent["voters"], [cm.voter("a1", 2.5, KEY_A), cm.voter("a4", 1.0, KEY_B)])

    def test_named_voters_are_proposed_as_named(self):
        self.client.make_distributed_decision("deploy", None, "unanimous", 5_000, voters=["a2", "a3"])
        sent = cm.parse_propose(self.services.log("leader")[0].body)
        self.assertEqual([v["agent_id"] for v in sent["voters"]], ["a2", "a3"])
        self.assertEqual(sent["data"], {})

    def test_unavailable_and_a_silent_leader_are_retried_with_the_same_request_id(self):
        self.services.discovered = "leader"
        self.services.leader_script = [ErrorCode.UNAVAILABLE, "silent", "ok"]
        self.assertEqual(self.client.make_distributed_decision("deploy", {}, "majority", 5_000, capability="deploy"),
                         "p1")
        at_leader = self.services.log("leader")
        self.assertEqual(len(at_leader), 3)
        self.assertEqual(len({e.request_id for e in at_leader}), 1)

    def test_a_refusal_reaches_the_caller_and_a_bad_request_is_refused_before_sending(self):
        self.services.leader_script = [ErrorCode.PERMISSION_DENIED]
        with self.assertRaises(OrionError) as caught:
            self.client.make_distributed_decision("deploy", {}, "majority", 5_000, capability="deploy")
        self.assertEqual(caught.exception.code, ErrorCode.PERMISSION_DENIED)
        sent = len(self.services.log("leader"))
        for kwargs, needle in (({"consensus_type": "raft"}, "consensus_type"),
                               ({"consensus_type": "sometimes"}, "consensus_type"),
                               ({"timeout_ms": 0}, "timeout_ms"), ({"decision_type": ""}, "type"),
                               ({"capability": "quantum"}, "quantum")):
            args = dict({"decision_type": "deploy", "consensus_type": "majority", "timeout_ms": 5_000,
                         "capability": "deploy"}, **kwargs)
            with self.assertRaises(OrionError, msg=needle) as caught:
                self.client.make_distributed_decision(**args)
            self.assertIn(needle, caught.exception.message)
        self.assertEqual(len(self.services.log("leader")), sent)

    def test_status_reads_the_decision_and_wait_polls_until_it_is_decided(self):
        view = self.client.get_decision_status("p1")
        self.assertEqual(view["outcome"], cm.Outcome.APPROVED)
        self.assertEqual(cm.decision_dict(view)["votes"], [{"agent_id": "a1", "vote": "yes", "weight": 2.5}])
        self.services.pending_polls = 2
        view = self.client.wait_decision("p1", timeout_ms=10_000)
        self.assertEqual(view["outcome"], cm.Outcome.APPROVED)
        self.assertEqual(view["tally"]["yes_weight"], 2.5)
        waits = [e for e in self.services.log("leader") if e.type == MsgType.WAIT_PROPOSAL]
        self.assertEqual(len(waits), 3)
        self.assertTrue(all(0 < e.body["timeout_ms"] <= 5_000 for e in waits))
        self.services.pending_polls = 1000
        self.assertEqual(self.client.wait_decision("p1", timeout_ms=0)["outcome"], cm.Outcome.PENDING)

    def test_no_consensus_replica_known_ends_unavailable_at_the_deadline(self):
        self.services.discovered = "registry"  # a ROUTER that never answers consensus requests
        consensus = self.client._consensus_client()
        consensus.call_timeout_ms = 700
        with self.assertRaises(OrionError) as caught:
            self.client.get_decision_status("p1")
        self.assertEqual(caught.exception.code, ErrorCode.UNAVAILABLE)


if __name__ == "__main__":
    unittest.main()
