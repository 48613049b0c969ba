"""The Python agent's side of agent identity (protocol.md 11.3), against the fake registry and
scheduler of test_agent.py: one random instance token per process in every REGISTER and ATTACH,
and a refused id (ALREADY_EXISTS, PERMISSION_DENIED) logged at ERROR naming the id and tried
again with the backoff, never in a tight loop, and nothing sent as the agent meanwhile.
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))

import test_agent  # noqa: E402
from test_agent import FakeCluster, RunningAgent, now_ms  # noqa: E402
from orion_sdk import Agent  # noqa: E402
from orion_sdk import protocol as p  # noqa: E402
from orion_sdk.protocol import ErrorCode, MsgType  # noqa: E402

INITIAL_MS, MAX_MS = 20, 160


class RefusingCluster(FakeCluster):
    """Refuses the first `refuse_registers` REGISTERs and `refuse_attaches` ATTACHes with `code`,
    and notes when each REGISTER and ATTACH arrived."""

    def __init__(self):
        super().__init__()
        self.refuse_registers = 0
        self.refuse_attaches = 0
        self.code = ErrorCode.ALREADY_EXISTS
        self.register_ms, self.attach_ms = [], []

    def _refuse(self, sock, incoming, what):
        self.reply(sock, incoming, MsgType.ERROR,
                   p.error_body(self.code, "agent id agent-under-test is held by " + what))

    def on_registry(self, incoming):
        e = incoming.envelope
        if incoming.error is None and e.type == MsgType.REGISTER:
            self.register_ms.append(now_ms())
            if self.refuse_registers > 0:
                self.refuse_registers -= 1
                self.at_registry.append(test_agent.Received(e.type, e.request_id, e.body, incoming.identity))
                return self._refuse(self.registry, incoming, "another process")
        super().on_registry(incoming)

    def on_scheduler(self, incoming):
        e = incoming.envelope
        if incoming.error is None and e.type == MsgType.ATTACH:
            self.attach_ms.append(now_ms())
            if self.refuse_attaches > 0:
                self.refuse_attaches -= 1
                self.at_scheduler.append(test_agent.Received(e.type, e.request_id, e.body, incoming.identity))
                return self._refuse(self.scheduler, incoming, "another key")
        super().on_scheduler(incoming)


class AgentIdentityTest(unittest.TestCase):
    def setUp(self):
        self.cluster = RefusingCluster()
        self.running = None

    def tearDown(self):
        if self.running is not None:
            self.cluster.refuse_registers = self.cluster.refuse_attaches = 0
            self.running.agent.stop()
            self.cluster.wait_until(lambda: self.running.finished)
            self.running.thread.join(5)
        self.cluster.close()

    def start(self):
        agent = Agent("agent-under-test", capabilities=["echo"], registry=self.cluster.registry_endpoint,
                      reconnect_initial_ms=INITIAL_MS, reconnect_max_ms=MAX_MS)
        agent.handle("echo", lambda ctx: ctx.input)
        self.running = RunningAgent(agent)
        return agent

    def assert_backed_off(self, times):
        """The retries came no sooner than the backoff allows (20, 40, 80, 160, 160, ... ms), as
        the fake saw them: its pump reads every 10 ms, so each arrival may be late by that much."""
        least = sum(min(INITIAL_MS << i, MAX_MS) for i in range(len(times) - 1))
        self.assertGreaterEqual(times[-1] - times[0], least - 20, [t - times[0] for t in times])

    @staticmethod
    def refusals(logs):
        # Fewer than the refusals sent, at times: a REGISTER unanswered at its deadline (20 ms at
        # first) is sent again on a new socket, and the answer to the old one is lost with it.
        return [m for m in logs.output if "event=agent_id_refused" in m]

    def test_every_register_and_attach_carries_the_same_instance_token(self):
        self.start()
        c = self.cluster
        c.not_found_agent_heartbeats = 1  # one re-attach of the same process
        self.assertTrue(c.wait_until(lambda: c.count_at_scheduler(MsgType.ATTACH) >= 2))
        tokens = {r.body.get("instance") for r in c.of(c.at_registry, MsgType.REGISTER) +
                  c.of(c.at_scheduler, MsgType.ATTACH)}
        self.assertEqual(len(tokens), 1, tokens)
        token = tokens.pop()
        self.assertRegex(token, "^[0-9a-f]{32}$")
        other = RefusingCluster()
        try:
            second = Agent("agent-under-test", registry=other.registry_endpoint)
            self.assertNotEqual(second._instance, token, "another process, another token")
        finally:
            other.close()

    def test_a_refused_register_is_logged_naming_the_id_and_retried_with_backoff(self):
        c = self.cluster
        c.refuse_registers = 5
        with self.assertLogs("orion.agent", level="ERROR") as logs:
            self.start()
            self.assertTrue(c.wait_until(lambda: len(c.register_ms) >= 6 and len(self.refusals(logs)) >= 3),
                            logs.output)
        refusals = self.refusals(logs)
        self.assertIn("agent=agent-under-test", refusals[0])
        self.assertIn("code=ALREADY_EXISTS", refusals[0])
        self.assertIn("action=retry", refusals[0])
        self.assert_backed_off(c.register_ms)
        self.assertEqual(c.count_at_registry(MsgType.HEARTBEAT), 0, "not registered: no heartbeat as the agent")
        # Once the id is free, the sixth REGISTER is accepted and the agent attaches.
        self.assertTrue(c.wait_until(lambda: c.count_at_scheduler(MsgType.AGENT_HEARTBEAT) >= 1))

    def test_a_refused_attach_is_logged_and_retried_with_backoff_sending_nothing_as_the_agent(self):
        c = self.cluster
        c.refuse_attaches = 4
        c.code = ErrorCode.PERMISSION_DENIED
        with self.assertLogs("orion.agent", level="ERROR") as logs:
            self.start()
            self.assertTrue(c.wait_until(lambda: len(c.attach_ms) >= 5 and len(self.refusals(logs)) >= 3),
                            logs.output)
        refusals = self.refusals(logs)
        self.assertIn("agent=agent-under-test", refusals[0])
        self.assertIn("peer=scheduler", refusals[0])
        self.assertIn("code=PERMISSION_DENIED", refusals[0])
        self.assert_backed_off(c.attach_ms[:5])
        # Until the fifth ATTACH (the first accepted), the agent sent the scheduler nothing else.
        attaches = [i for i, r in enumerate(c.at_scheduler) if r.type == MsgType.ATTACH]
        before_ok = c.at_scheduler[:attaches[4]]
        self.assertTrue(all(r.type == MsgType.ATTACH for r in before_ok), [r.type for r in before_ok])
        self.assertTrue(c.wait_until(lambda: c.count_at_scheduler(MsgType.AGENT_HEARTBEAT) >= 1))


if __name__ == "__main__":
    unittest.main()
