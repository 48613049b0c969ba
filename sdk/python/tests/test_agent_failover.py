"""The Python agent when the scheduler it attached to stops leading (the twin of
tests/unit/sdk/agent_leader_test.cpp): the fake scheduler of test_agent.py turns follower and
answers everything NOT_LEADER, naming a second fake scheduler (the leader) or "" while an
election is under way. The agent re-attaches to the leader and re-sends its unacknowledged
result there with the same request id. Every wait is on a condition with a deadline.
"""

import os
import sys
import unittest

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))

from orion_sdk import protocol as p  # noqa: E402
from orion_sdk.protocol import ErrorCode, MsgType  # noqa: E402
from orion_sdk.sockets import make_socket, receive  # noqa: E402
from test_agent import FakeCluster, Received, RunningAgent, assign_body, example_agent  # noqa: E402


class FailoverCluster(FakeCluster):
    """test_agent's registry and scheduler, plus a second scheduler (`leader`). `not_leader`:
    None while the first scheduler leads; else it answers every message NOT_LEADER with
    `leader` = not_leader."""

    def __init__(self):
        super().__init__()
        self.leader = make_socket(self.ctx, zmq.ROUTER)
        self.leader.bind("tcp://127.0.0.1:*")
        self.leader_endpoint = self.leader.getsockopt_string(zmq.LAST_ENDPOINT)
        self.not_leader = None
        self.at_leader = []
        self.leader_identity = None

    def close(self):
        self.leader.close(0)
        super().close()

    def pump(self, timeout_ms):
        poller = zmq.Poller()
        for s in (self.registry, self.scheduler, self.leader):
            poller.register(s, zmq.POLLIN)
        poller.poll(timeout_ms)
        for s, handle in ((self.registry, self.on_registry), (self.scheduler, self.on_scheduler),
                          (self.leader, self.on_leader)):
            while True:
                incoming = receive(s, routed=True)
                if incoming is None:
                    break
                handle(incoming)

    def on_scheduler(self, incoming):
        if self.not_leader is None:
            return super().on_scheduler(incoming)
        e = incoming.envelope
        self.at_scheduler.append(Received(e.type, e.request_id, e.body, incoming.identity))
        self.reply(self.scheduler, incoming, MsgType.ERROR,
                   dict(p.error_body(ErrorCode.NOT_LEADER, "not the leader"), leader=self.not_leader))

    def on_leader(self, incoming):
        e = incoming.envelope
        self.at_leader.append(Received(e.type, e.request_id, e.body, incoming.identity))
        if e.type == MsgType.ATTACH:
            self.leader_identity = incoming.identity
            self.reply(self.leader, incoming, MsgType.ATTACH_OK, {"heartbeat_ms": self.heartbeat_ms,
                                                                 "liveness": self.liveness})
        elif e.type == MsgType.AGENT_HEARTBEAT:
            self.reply(self.leader, incoming, MsgType.AGENT_HEARTBEAT_OK, {})
        elif e.type == MsgType.TASK_RESULT:
            self.reply(self.leader, incoming, MsgType.RESULT_OK,
                       {"task_id": e.body["task_id"], "attempt": e.body["attempt"], "accepted": True})

    def attached_to_leader(self):
        """An AGENT_HEARTBEAT at the leader from the identity that attached there."""
        return any(r.type == MsgType.AGENT_HEARTBEAT and r.identity == self.leader_identity for r in self.at_leader)


class AgentFailoverTest(unittest.TestCase):
    def setUp(self):
        self.cluster = FailoverCluster()
        self.running = None

    def tearDown(self):
        if self.running is not None:
            self.cluster.not_leader = self.cluster.leader_endpoint
            self.running.agent.stop()
            self.cluster.wait_until(lambda: self.running.finished)
            self.running.thread.join(5)
        self.cluster.close()

    def start_and_attach(self):
        from orion_sdk import Agent
        agent = Agent("agent-under-test", capabilities=["echo"], registry=self.cluster.registry_endpoint, capacity=2,
                      reconnect_initial_ms=20, reconnect_max_ms=200)
        example_agent.add_example_handlers(agent)
        self.running = RunningAgent(agent)
        c = self.cluster
        self.assertTrue(c.wait_until(lambda: any(
            r.identity == c.agent_identity for r in c.of(c.at_scheduler, MsgType.AGENT_HEARTBEAT))))
        return agent

    def unacked_result(self, task_id):
        """A task run to its end whose TASK_RESULT the (first) scheduler does not acknowledge."""
        c = self.cluster
        c.ack_results = False
        c.send_to_agent(MsgType.ASSIGN, assign_body(task_id, 1, "echo", {"x": 1}))
        self.assertTrue(c.wait_until(lambda: c.count_at_scheduler(MsgType.TASK_RESULT, task_id) >= 1))
        return c.of(c.at_scheduler, MsgType.TASK_RESULT, task_id)[0]

    def test_not_leader_naming_the_leader_reattaches_there_and_resends_the_result_with_its_request_id(self):
        self.start_and_attach()
        c = self.cluster
        first = self.unacked_result("t1")
        c.not_leader = c.leader_endpoint  # the scheduler stops leading; its next answers redirect
        self.assertTrue(c.wait_until(lambda: c.of(c.at_leader, MsgType.TASK_RESULT, "t1")), "no result at the leader")
        self.assertTrue(c.wait_until(c.attached_to_leader), "not attached at the leader")
        attach = c.of(c.at_leader, MsgType.ATTACH)
        self.assertGreaterEqual(len(attach), 1)
        self.assertEqual(p.parse_agent_spec(attach[0].body["agent"])["agent_id"], "agent-under-test")
        resent = c.of(c.at_leader, MsgType.TASK_RESULT, "t1")[0]
        self.assertEqual(resent.request_id, first.request_id)
        self.assertEqual(resent.body, first.body)
        # Acknowledged at the leader: never sent again, anywhere.
        sent = len(c.of(c.at_leader, MsgType.TASK_RESULT, "t1")) + len(c.of(c.at_scheduler, MsgType.TASK_RESULT, "t1"))
        heartbeats = len(c.of(c.at_leader, MsgType.AGENT_HEARTBEAT))
        self.assertTrue(c.wait_until(lambda: len(c.of(c.at_leader, MsgType.AGENT_HEARTBEAT)) >= heartbeats + 3))
        self.assertEqual(
            len(c.of(c.at_leader, MsgType.TASK_RESULT, "t1")) + len(c.of(c.at_scheduler, MsgType.TASK_RESULT, "t1")),
            sent)

    def test_not_leader_without_a_leader_makes_it_discover_again_and_attach_to_the_new_leader(self):
        self.start_and_attach()
        c = self.cluster
        first = self.unacked_result("t2")
        discovers = c.count_at_registry(MsgType.DISCOVER)
        c.not_leader = ""                          # an election is under way ...
        c.scheduler_endpoint = c.leader_endpoint   # ... and the registry already names the winner
        self.assertTrue(c.wait_until(c.attached_to_leader), "not attached at the new leader")
        self.assertGreater(c.count_at_registry(MsgType.DISCOVER), discovers)
        self.assertTrue(c.wait_until(lambda: c.of(c.at_leader, MsgType.TASK_RESULT, "t2")))
        self.assertEqual(c.of(c.at_leader, MsgType.TASK_RESULT, "t2")[0].request_id, first.request_id)


    def test_a_registry_list_is_tried_in_turn_until_one_answers(self):
        from orion_sdk import Agent
        c = self.cluster
        dead = make_socket(c.ctx, zmq.ROUTER)  # bound, never read: a registry that does not answer
        dead.bind("tcp://127.0.0.1:*")
        try:
            agent = Agent("agent-under-test", capabilities=["echo"], registry="%s, %s" % (
                dead.getsockopt_string(zmq.LAST_ENDPOINT), c.registry_endpoint), reconnect_initial_ms=20,
                reconnect_max_ms=200)
            self.running = RunningAgent(agent)
            self.assertTrue(c.wait_until(lambda: c.count_at_scheduler(MsgType.AGENT_HEARTBEAT) >= 1))
            self.assertGreaterEqual(c.count_at_registry(MsgType.REGISTER), 1)
            self.assertTrue(dead.poll(0, zmq.POLLIN), "the first registry of the list was not tried")
        finally:
            self.cluster.not_leader = None
            if self.running is not None:
                self.running.agent.stop()
                c.wait_until(lambda: self.running.finished)
                self.running.thread.join(5)
                self.running = None
            dead.close(0)

    def test_a_registry_list_of_nothing_is_refused(self):
        from orion_sdk import Agent
        with self.assertRaises(ValueError):
            Agent("a", registry=" , ")


if __name__ == "__main__":
    unittest.main()
