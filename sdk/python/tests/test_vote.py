"""Votes in the Python SDK: the signatures (byte for byte those of common/vote_signature.*), the
consensus messages, and the agent's vote handler against a fake registry, event bus and consensus
leader (the twin of the vote tests in tests/unit/sdk/agent_test.cpp). Every wait is on a condition
with a deadline.
"""

import ctypes
import os
import sys
import threading
import unittest
from unittest import mock

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

from orion_sdk import Agent, OrionError  # noqa: E402
from orion_sdk import consensus_messages as cm  # noqa: E402
from orion_sdk import protocol as p  # noqa: E402
from orion_sdk import vote_signature as vs  # noqa: E402
from orion_sdk.protocol import ErrorCode, MsgType, OrionError  # noqa: E402
from orion_sdk.sockets import make_socket, receive, send_envelope  # noqa: E402
from test_agent import WAIT_MS, FakeCluster, Received, RunningAgent, example_agent  # noqa: E402

SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # RFC 8032 test 1
PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
# The content of tests/unit/consensus/vote_signature_test.cpp's known case, its digest, and
# sign_vote(VoteKeys::from_seed(SEED).secret_key, {"orion", "p1", DIGEST, "a1"}, true) from the C++
# common/vote_signature.cpp.
CONTENT = ("ops", "deploy", "gpu", "MAJORITY", {"b": 1, "a": [1.5, -3, "x", None, True]})
CONTENT_HEX = "95a36f7073a66465706c6f79a3677075a84d414a4f5249545982a16195cb3ff8000000000000fda178c0c3a16201"
DIGEST = "964948d87fb6124f5eab2f4f7927cd9d7061d5df82a4e943555f4500ab7c8168"
ABOUT = ("orion", "p1", DIGEST, "a1")
CPP_SIGNATURE_P1_A1_YES = ("ed7a2307781f7b8f5e280d0cf087aae9d9e0408ba26a189a85494071af40df94"
                           "14a07c4e5ddc9c535590af41f58c4924fc3904978b582ed5483a1594dc583d01")


class SignatureTest(unittest.TestCase):
    def test_the_signed_bytes_are_those_of_the_cpp_side(self):
        d = "d" * 64
        self.assertEqual(vs.vote_signing_bytes(("orion", "p7", d, "a1"), True),
                         b"ORION-VOTE/2\x00orion\x00p7\x00" + d.encode() + b"\x00a1\x00yes")
        self.assertEqual(vs.vote_signing_bytes(("orion", "p7", d, "a1"), False),
                         b"ORION-VOTE/2\x00orion\x00p7\x00" + d.encode() + b"\x00a1\x00no")
        self.assertEqual(vs.vote_signing_bytes(("c", "p\u00e9", d, "a"), True),
                         b"ORION-VOTE/2\x00c\x00p\xc3\xa9\x00" + d.encode() + b"\x00a\x00yes")
        with self.assertRaises(ValueError):
            vs.vote_signing_bytes(("orion", "p\x001", d, "a1"), True)

    def test_the_content_digest_is_the_cpp_sides(self):
        from orion_sdk.canonical import encode_canonical
        self.assertEqual(encode_canonical(list(CONTENT)).hex(), CONTENT_HEX)
        self.assertEqual(vs.proposal_digest(*CONTENT), DIGEST)
        proposal = {"proposal_id": "p1", "cluster_id": "orion", "proposer": "ops", "type": "deploy",
                    "capability": "gpu", "consensus_type": cm.ConsensusType.MAJORITY, "data": CONTENT[4],
                    "content_digest": "0" * 64}  # never trusted: computed from the content
        self.assertEqual(vs.vote_subject(proposal, "a1"), ABOUT)
        # Key order, and a float32 or float64 of one value, do not matter; the value does.
        reordered = {"a": [1.5, -3, "x", None, True], "b": 1}
        self.assertEqual(vs.proposal_digest("ops", "deploy", "gpu", "MAJORITY", reordered), DIGEST)
        self.assertNotEqual(vs.proposal_digest("ops", "deploy", "gpu", "MAJORITY", {"b": 1.0, "a": CONTENT[4]["a"]}),
                            DIGEST)
        self.assertNotEqual(vs.proposal_digest("ops", "deploy", "gpu", "UNANIMOUS", CONTENT[4]), DIGEST)

    def test_a_known_seed_gives_the_rfc_key_and_the_signature_the_cpp_side_makes(self):
        keys = vs.VoteKeys.from_hex(SEED)
        self.assertEqual(keys.public_key_hex, PUBLIC)
        self.assertEqual(len(keys.secret_key), 64)
        self.assertEqual(vs.sign_vote(keys.secret_key, ABOUT, True), CPP_SIGNATURE_P1_A1_YES)
        self.assertTrue(vs.verify_vote(PUBLIC, ABOUT, True, CPP_SIGNATURE_P1_A1_YES))
        self.assertTrue(vs.verify_vote(PUBLIC.upper(), ABOUT, True, CPP_SIGNATURE_P1_A1_YES.upper()))
        self.assertEqual(vs.VoteKeys.from_hex(SEED + PUBLIC).secret_key, keys.secret_key)

    def test_any_change_to_the_vote_or_key_fails_verification(self):
        keys, other = vs.VoteKeys.generate(), vs.VoteKeys.generate()
        self.assertNotEqual(keys.public_key, other.public_key)
        sig = vs.sign_vote(keys.secret_key, ABOUT, True)
        self.assertTrue(vs.verify_vote(keys.public_key_hex, ABOUT, True, sig))
        self.assertFalse(vs.verify_vote(keys.public_key_hex, ABOUT, False, sig))
        for i, changed in enumerate(("other", "p2", "e" + DIGEST[1:], "a2")):
            subject = list(ABOUT)
            subject[i] = changed
            self.assertFalse(vs.verify_vote(keys.public_key_hex, tuple(subject), True, sig), subject)
        self.assertFalse(vs.verify_vote(other.public_key_hex, ABOUT, True, sig))
        flipped = ("1" if sig[0] == "0" else "0") + sig[1:]
        self.assertFalse(vs.verify_vote(keys.public_key_hex, ABOUT, True, flipped))
        for bad_key in ("zz", "", keys.public_key_hex[:-1], " " + keys.public_key_hex[1:], None):
            self.assertFalse(vs.verify_vote(bad_key, ABOUT, True, sig), bad_key)
        self.assertFalse(vs.verify_vote(keys.public_key_hex, ABOUT, True, "not hex"))

    def test_a_vote_key_file_gives_its_keys_and_a_readable_one_is_refused(self):
        import tempfile
        keys = vs.VoteKeys.from_hex(SEED)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "v.key")
            # As orionctl keygen --vote writes it.
            with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                f.write("# Orion vote key\npublic = %s\nsecret = %s\n" % (PUBLIC, SEED))
            self.assertEqual(vs.read_vote_key(path).secret_key, keys.secret_key)
            os.chmod(path, 0o640)
            with self.assertRaises(OrionError) as e:
                vs.read_vote_key(path)
            self.assertIn("mode 0600", str(e.exception))
            os.chmod(path, 0o600)
            with open(path, "w") as f:
                f.write("public = %s\nsecret = %s\n" % ("00" * 32, SEED))
            with self.assertRaises(OrionError) as e:
                vs.read_vote_key(path)
            self.assertIn("not the public key of its secret key", str(e.exception))

    def test_bad_keys_are_refused_with_a_clear_error(self):
        for bad in ("", "0", "zz" * 32, SEED[:-2], SEED + "00", 42):
            with self.assertRaises(ValueError, msg=repr(bad)):
                vs.VoteKeys.from_hex(bad)
        with self.assertRaises(ValueError):
            vs.sign_vote(b"short", ABOUT, True)

    def test_without_libsodium_signing_says_so_and_a_task_only_agent_still_works(self):
        with mock.patch.object(vs, "_lib", None), mock.patch.object(ctypes, "CDLL", side_effect=OSError("not found")):
            self.assertFalse(vs.available())
            with self.assertRaises(vs.SodiumUnavailable) as caught:
                vs.VoteKeys.generate()
            self.assertIn("libsodium", str(caught.exception))
            self.assertIn("apt-get install", str(caught.exception))
            agent = Agent("a")  # tasks need no key
            self.assertEqual(agent.public_key_hex, "")
            with self.assertRaises(vs.SodiumUnavailable):
                agent.on_vote(lambda proposal: True)
            with self.assertRaises(vs.SodiumUnavailable):
                Agent("a", secret_key=SEED)
        self.assertTrue(vs.available())  # the real library again


class ConsensusMessagesTest(unittest.TestCase):
    def test_the_vote_body_encodes_to_the_frozen_cpp_bytes(self):
        sig = "b" * 128
        body = p.encode_value(cm.vote_body("p7", "a1", True, sig))

        def h(s):
            return s.encode().hex()
        self.assertEqual(body.hex(), "84" + "a8" + h("agent_id") + "a2" + h("a1") + "ab" + h("proposal_id") + "a2" +
                         h("p7") + "a9" + h("signature") + "d980" + h(sig) + "a4" + h("vote") + "a3" + h("yes"))
        self.assertEqual(cm.parse_vote(cm.vote_body("p7", "a1", False, sig)),
                         {"proposal_id": "p7", "agent_id": "a1", "signature": sig, "yes": False})

    def test_propose_is_checked_as_the_leader_checks_it_naming_the_field(self):
        key = "a" * 64
        good = cm.propose_body("deploy", {"v": 1}, "weighted", [cm.voter("a1", 2.5, key), cm.voter("a2", 1, key)],
                               capability="gpu", proposer="ops", timeout_ms=5000)
        back = cm.parse_propose(good)
        self.assertEqual(back["consensus_type"], cm.ConsensusType.WEIGHTED)
        self.assertEqual([v["weight"] for v in back["voters"]], [2.5, 1.0])
        cases = [
            (dict(good, type=""), "'type'"),
            (dict(good, voters=[]), "'voters'"),
            (dict(good, voters=[cm.voter("a1", 1, key), cm.voter("a1", 1, key)]), "listed twice"),
            (dict(good, voters=[cm.voter("a1", 1, "")]), "public_key"),
            (dict(good, voters=[cm.voter("a1", 1, "xyz")]), "public_key"),
            (dict(good, voters=[cm.voter("a1", 0, key)]), "weight"),
            (dict(good, consensus_type=9), "consensus_type"),
            (dict(good, timeout_ms=0), "timeout_ms"),
            (dict(good, result_ttl_ms=999), "result_ttl_ms"),
            (dict(good, result_ttl_ms=-1), "result_ttl_ms"),
        ]
        for body, needle in cases:
            with self.assertRaises(OrionError, msg=needle) as caught:
                cm.parse_propose(body)
            self.assertEqual(caught.exception.code, ErrorCode.INVALID_ARGUMENT)
            self.assertIn(needle, caught.exception.message)
        self.assertNotIn("result_ttl_ms", good)
        kept = cm.propose_body("deploy", {}, "raft", [], result_ttl_ms=60_000)
        self.assertEqual(cm.parse_propose(kept)["result_ttl_ms"], 60_000)
        raft = cm.parse_propose(dict(good, consensus_type=5, voters=[]))
        self.assertEqual(raft["voters"], [])
        for bad in ("sometimes", 0, 6, True):
            with self.assertRaises(OrionError):
                cm.consensus_type_of(bad)
        self.assertEqual(cm.consensus_type_of("Majority"), cm.ConsensusType.MAJORITY)

    def test_a_proposal_view_reads_with_its_bounds_and_shows_as_orionctl_shows_it(self):
        view = {"proposal_id": "p3", "type": "deploy", "consensus_type": 1, "outcome": 3,
                "voters": [cm.voter("a1", 1, "a" * 64), cm.voter("a2", 2, "b" * 64)],
                "votes": [{"agent_id": "a1", "vote": "no", "weight": 1.0, "at_ms": 5, "signature": "c" * 128}],
                "tally": {"eligible": 2, "yes": 0, "no": 1, "eligible_weight": 3.0, "yes_weight": 0.0,
                          "no_weight": 1.0, "quorum": 2},
                "decided_ms": 9}
        got = cm.parse_proposal_info({"proposal": view})
        self.assertEqual(got["outcome"], cm.Outcome.REJECTED)
        self.assertTrue(got["outcome"].decided)
        self.assertEqual(cm.decision_dict(got), {
            "proposal_id": "p3", "type": "deploy", "consensus": "MAJORITY", "outcome": "REJECTED", "yes_weight": 0.0,
            "no_weight": 1.0, "eligible_weight": 3.0, "votes": [{"agent_id": "a1", "vote": "no", "weight": 1.0}],
            "faulty": [], "decided_ms": 9})
        for bad, needle in (({"proposal_id": "p"}, "outcome"), (dict(view, outcome=7), "outcome"),
                            (dict(view, votes=[{"agent_id": "a", "vote": "maybe"}]), "votes"),
                            (dict(view, votes=[{}] * 2049), "votes"), (dict(view, tally={"yes": -1}), "tally")):
            with self.assertRaises(OrionError, msg=needle) as caught:
                cm.parse_proposal_view(bad)
            self.assertIn(needle, caught.exception.message)
        with self.assertRaises(OrionError):
            cm.parse_proposal_info({})


# ---- the agent's vote handler ---------------------------------------------------------------------


class VoteCluster(FakeCluster):
    """FakeCluster plus an event bus (a PUB socket the agent's SUB connects to) and two consensus
    replicas (ROUTERs): `leader` answers VOTEs per `vote_reply`, `follower` redirects to it."""

    def __init__(self):
        super().__init__()
        self.bus = make_socket(self.ctx, zmq.PUB)
        self.bus.bind("tcp://127.0.0.1:*")
        self.bus_endpoint = self.bus.getsockopt_string(zmq.LAST_ENDPOINT)
        self.replicas = {}
        for name in ("leader", "follower"):
            s = make_socket(self.ctx, zmq.ROUTER)
            s.bind("tcp://127.0.0.1:*")
            self.replicas[name] = (s, s.getsockopt_string(zmq.LAST_ENDPOINT))
        self.discovered_consensus = "leader"  # which replica DISCOVERY names
        self.vote_reply = "ok"                 # "ok", "silent", or an ErrorCode to answer
        self.votes = {"leader": [], "follower": []}
        self.event_seq = 0

    def endpoint(self, name):
        return self.replicas[name][1]

    def close(self):
        self.bus.close(0)
        for s, _ in self.replicas.values():
            s.close(0)
        super().close()

    def pump(self, timeout_ms):
        super().pump(timeout_ms)
        for name, (s, _) in self.replicas.items():
            while True:
                incoming = receive(s, routed=True)
                if incoming is None:
                    break
                self.on_replica(name, s, incoming)

    def on_registry(self, incoming):
        e = incoming.envelope
        if incoming.error is None and e.type == MsgType.DISCOVER and self.registry_answers:
            self.at_registry.append(Received(e.type, e.request_id, e.body, incoming.identity))
            self.reply(self.registry, incoming, MsgType.DISCOVERY,
                       {"scheduler_agent": self.scheduler_endpoint, "scheduler_client": "", "events_pub": "",
                        "events_sub": self.bus_endpoint, "consensus": self.endpoint(self.discovered_consensus)})
            return
        super().on_registry(incoming)

    def on_replica(self, name, s, incoming):
        if incoming.error is not None:
            self.bad_messages.append(incoming.error)
            return
        e = incoming.envelope
        self.votes[name].append(Received(e.type, e.request_id, e.body, incoming.identity))
        if name == "follower":
            body = dict(p.error_body(ErrorCode.NOT_LEADER, "not the leader"), leader=self.endpoint("leader"))
            self.reply(s, incoming, MsgType.ERROR, body)
        elif self.vote_reply == "ok":
            self.reply(s, incoming, MsgType.VOTE_OK, {"proposal_id": e.body["proposal_id"],
                                                      "agent_id": e.body["agent_id"], "outcome": 1})
        elif self.vote_reply != "silent":
            self.reply(s, incoming, MsgType.ERROR, p.error_body(self.vote_reply, "refused"))

    def publish(self, proposal_id, capability="deploy", voters=("agent-under-test",), consensus_type="MAJORITY",
                data=None, topic=None):
        self.event_seq += 1
        event = {"topic": topic or "proposal.created." + capability, "publisher": "consensus-single",
                 "seq": self.event_seq, "ts_ms": 1,
                 "data": {"proposal_id": proposal_id, "cluster_id": "orion", "proposer": "test", "type": "deploy",
                          "capability": capability,
                          "consensus_type": consensus_type, "voters": list(voters), "data": data or {},
                          "created_ms": 10, "deadline_ms": 20}}
        frames = p.encode_frames(p.Envelope(MsgType.EVENT, b"", event))
        self.bus.send_multipart([event["topic"].encode()] + frames)


class AgentVoteTest(unittest.TestCase):
    def setUp(self):
        self.cluster = VoteCluster()
        self.running = None
        self.calls = []
        self.call_threads = set()

    def tearDown(self):
        if self.running is not None:
            self.cluster.vote_reply = "ok"
            self.running.agent.stop()
            self.cluster.wait_until(lambda: self.running.finished)
            self.running.thread.join(5)
        self.cluster.close()

    def start(self, handler=None, secret_key=SEED):
        agent = Agent("agent-under-test", capabilities=["deploy", "echo"], registry=self.cluster.registry_endpoint,
                      reconnect_initial_ms=20, reconnect_max_ms=200, secret_key=secret_key)

        def record(proposal):
            self.calls.append(proposal)
            self.call_threads.add(threading.get_ident())
            return handler(proposal) if handler else True
        agent.on_vote(record)
        example_agent.add_example_handlers(agent)
        self.running = RunningAgent(agent)
        self.assertTrue(self.cluster.wait_until(lambda: self.cluster.count_at_scheduler(MsgType.ATTACH) >= 1))
        return agent

    def votes_at(self, replica="leader"):
        return self.cluster.votes[replica]

    def publish_until_voted(self, proposal_id, replica="leader", **kwargs):
        """Events are news: the agent's subscription takes a moment to reach the bus, so publish
        until a VOTE for proposal_id arrives (the agent asks its handler once per proposal)."""
        def voted():
            if not any(v.body.get("proposal_id") == proposal_id for v in self.votes_at(replica)):
                self.cluster.publish(proposal_id, **kwargs)
                return False
            return True
        self.assertTrue(self.cluster.wait_until(voted), "no VOTE for " + proposal_id)
        return [v for v in self.votes_at(replica) if v.body.get("proposal_id") == proposal_id]

    def test_registers_its_public_key_and_votes_signed_on_a_proposal_naming_it_off_the_networking_thread(self):
        self.start()
        spec = p.parse_agent_spec(self.cluster.at_registry[0].body["agent"])
        self.assertEqual(spec["public_key"], PUBLIC)
        vote = self.publish_until_voted("p1", data={"n": 1})[0]
        self.assertEqual(vote.type, MsgType.VOTE)
        self.assertEqual(len(vote.request_id), 16)
        body = cm.parse_vote(vote.body)
        self.assertEqual(body, {"proposal_id": "p1", "agent_id": "agent-under-test", "yes": True,
                                "signature": body["signature"]})
        # Signed over this cluster, this proposal and the digest of the content the handler saw.
        about = ("orion", "p1", vs.proposal_digest("test", "deploy", "deploy", "MAJORITY", {"n": 1}), "agent-under-test")
        self.assertTrue(vs.verify_vote(PUBLIC, about, True, body["signature"]))
        other_data = ("orion", "p1", vs.proposal_digest("test", "deploy", "deploy", "MAJORITY", {"n": 2}),
                      "agent-under-test")
        self.assertFalse(vs.verify_vote(PUBLIC, other_data, True, body["signature"]))
        self.assertEqual(len(self.calls), 1)  # however often the event came
        proposal = self.calls[0]
        self.assertEqual(proposal["proposal_id"], "p1")
        self.assertEqual(proposal["consensus_type"], cm.ConsensusType.MAJORITY)
        self.assertEqual(proposal["outcome"], cm.Outcome.PENDING)
        self.assertEqual(proposal["data"], {"n": 1})
        self.assertEqual(proposal["voters"], ["agent-under-test"])
        self.assertNotIn(self.running.run_thread, self.call_threads)
        self.assertEqual(self.cluster.bad_messages, [])

    def test_a_no_is_signed_as_no(self):
        self.start(handler=lambda proposal: False)
        body = cm.parse_vote(self.publish_until_voted("p2")[0].body)
        self.assertFalse(body["yes"])
        about = ("orion", "p2", vs.proposal_digest("test", "deploy", "deploy", "MAJORITY", {}), "agent-under-test")
        self.assertTrue(vs.verify_vote(PUBLIC, about, False, body["signature"]))

    def test_asks_only_about_proposals_of_its_capabilities_that_name_it_and_are_not_raft(self):
        self.start()
        self.publish_until_voted("p-first")
        c = self.cluster
        c.publish("p-other-agent", voters=("someone-else",))
        c.publish("p-prefix", capability="deploy2", topic="proposal.created.deploy2")  # matches the prefix
        c.publish("p-raft", consensus_type="RAFT")
        c.publish("p-unknown-type", consensus_type="SOMETIMES")
        c.publish("p-bad", data=None, voters=(7,))  # a voter that is not a string: a bad event
        # The bus keeps order: once the next eligible proposal is voted on, the others were seen.
        self.publish_until_voted("p-last")
        self.assertEqual([c["proposal_id"] for c in self.calls], ["p-first", "p-last"])

    def test_resends_the_vote_with_the_same_request_id_until_the_leader_answers(self):
        self.cluster.vote_reply = ErrorCode.UNAVAILABLE
        self.start()
        self.publish_until_voted("p1")
        self.assertTrue(self.cluster.wait_until(lambda: len(self.votes_at()) >= 3))
        self.assertEqual(len({v.request_id for v in self.votes_at()}), 1)
        self.cluster.vote_reply = "ok"
        self.assertTrue(self.cluster.wait_until(lambda: self.running.agent._voting._votes == {}))
        settled = len(self.votes_at())
        self.heartbeats_pass(12)  # 600 ms: more than the 500 ms re-send interval
        self.assertEqual(len(self.votes_at()), settled)

    def test_follows_a_not_leader_redirect_with_the_same_request_id(self):
        self.cluster.discovered_consensus = "follower"
        self.start()
        to_follower = self.publish_until_voted("p1", replica="follower")
        to_leader = self.publish_until_voted("p1", replica="leader")
        self.assertEqual(to_leader[0].request_id, to_follower[0].request_id)
        self.assertEqual(to_leader[0].body, to_follower[0].body)

    def test_a_refused_vote_is_dropped(self):
        self.cluster.vote_reply = ErrorCode.PERMISSION_DENIED
        self.start()
        self.publish_until_voted("p1")
        self.assertTrue(self.cluster.wait_until(lambda: self.running.agent._voting._votes == {}))
        self.heartbeats_pass(12)
        self.assertEqual(len(self.votes_at()), 1)

    def test_a_silent_leader_is_forgotten_and_the_registry_asked_again(self):
        self.cluster.vote_reply = "silent"
        self.start()
        self.publish_until_voted("p1")
        discovers = self.cluster.count_at_registry(MsgType.DISCOVER)
        self.assertTrue(self.cluster.wait_until(lambda: self.cluster.count_at_registry(MsgType.DISCOVER) > discovers))
        self.cluster.vote_reply = "ok"
        self.assertTrue(self.cluster.wait_until(lambda: self.running.agent._voting._votes == {}))

    def test_a_handler_that_raises_or_returns_no_bool_casts_no_vote_and_the_agent_keeps_voting(self):
        def handler(proposal):
            if proposal["proposal_id"] == "p-raises":
                raise RuntimeError("cannot decide")
            if proposal["proposal_id"] == "p-none":
                return None
            return True
        self.start(handler=handler)
        self.publish_until_voted("p-first")
        self.cluster.publish("p-raises")
        self.cluster.publish("p-none")
        self.publish_until_voted("p-last")
        self.assertEqual([c["proposal_id"] for c in self.calls], ["p-first", "p-raises", "p-none", "p-last"])
        voted = {v.body["proposal_id"] for v in self.votes_at()}
        self.assertEqual(voted, {"p-first", "p-last"})

    def test_the_example_handler_answers_its_default_unless_the_data_names_this_agent(self):
        handler = example_agent.example_vote_handler("a1", default_yes=False)
        self.assertFalse(handler({"data": {}}))
        self.assertFalse(handler({"data": None}))
        self.assertTrue(handler({"data": {"votes": {"a1": "yes"}}}))
        self.assertFalse(handler({"data": {"votes": {"a1": "no", "a2": "yes"}}}))
        self.assertFalse(handler({"data": {"votes": {"a1": "maybe"}}}))
        self.assertTrue(example_agent.example_vote_handler("a1", default_yes=True)({"data": {"votes": {"a2": "no"}}}))

    def heartbeats_pass(self, n):
        seen = self.cluster.count_at_scheduler(MsgType.AGENT_HEARTBEAT)
        self.assertTrue(self.cluster.wait_until(
            lambda: self.cluster.count_at_scheduler(MsgType.AGENT_HEARTBEAT) >= seen + n, WAIT_MS))


if __name__ == "__main__":
    unittest.main()
