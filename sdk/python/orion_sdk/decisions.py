"""Distributed decisions from the client side (the twin of sdk/cpp/decisions.* and of the
C++ sdk/cpp/consensus_client.*): who votes, and a small consensus client that finds
the leader through the registry, follows NOT_LEADER redirects and retries with the same request
id (leader.py). Client.make_distributed_decision / get_decision_status / wait_decision use it.

    with Client("tcp://127.0.0.1:7100") as client:
        pid = client.make_distributed_decision("deploy", {"version": "1.2"}, "majority", 30_000, capability="deploy")
        view = client.wait_decision(pid, timeout_ms=30_000)     # a ProposalView dict
        print(view["outcome"].name, view["tally"]["yes_weight"], [v["agent_id"] for v in view["votes"]])
"""

import secrets
import time

from . import consensus_messages as cm
from . import protocol as p
from .leader import LeaderFollower
from .protocol import ErrorCode, MsgType, OrionError

WAIT_SLICE_MS = 5_000      # WAIT_PROPOSAL long-polls in slices so a lost leader is noticed


def _monotonic_ms():
    return int(time.monotonic() * 1000)


def resolve_voters(agents, capability="", named=()):
    """The voters (Voter dicts: agent_id, weight, public_key) among the registry's agents (as
    Client.agents() returns them): the agents named (whatever their state), or, when none are
    named, every agent UP with `capability`. Raises OrionError: INVALID_ARGUMENT when neither is
    given, NOT_FOUND for a named agent the registry does not list, FAILED_PRECONDITION for a voter
    without a public key or when no live agent has the capability. As sdk/cpp resolve_voters."""
    named = list(named)
    if not named and not capability:
        raise OrionError(ErrorCode.INVALID_ARGUMENT, "name the voters, or give the capability whose live agents vote")
    voters = []
    for a in agents:
        wanted = a["agent_id"] in named if named else a["state"] == "UP" and capability in a["capabilities"]
        if not wanted:
            continue
        if not a.get("public_key"):
            raise OrionError(ErrorCode.FAILED_PRECONDITION, "agent %s has no public key: it cannot vote" % a["agent_id"])
        voters.append(cm.voter(a["agent_id"], a["weight"], a["public_key"]))
    found = {v["agent_id"] for v in voters}
    for n in named:
        if n not in found:
            raise OrionError(ErrorCode.NOT_FOUND, "agent %s is not registered" % n)
    if not voters:
        raise OrionError(ErrorCode.FAILED_PRECONDITION, "no live agent has capability %s" % capability)
    return voters


class ConsensusClient:
    """Requests to the consensus leader, through a LeaderFollower (leader.py). `discover` is a
    function of a time budget in ms returning the registry's DISCOVERY dict (Client uses its
    Registries); `replicas` (optional) are client endpoints tried in turn instead. Not thread-safe."""

    def __init__(self, ctx, discover, replicas=(), request_timeout_ms=2000, call_timeout_ms=15_000):
        self._discover = discover
        self._replicas = list(replicas)
        self._next_replica = 0
        self.request_timeout_ms = int(request_timeout_ms)
        self._follower = LeaderFollower(ctx, "consensus", self._next_endpoint, try_timeout_ms=request_timeout_ms,
                                        call_timeout_ms=call_timeout_ms)

    @property
    def leader(self):
        """Where the last call was answered: the leader as far as this client knows ("" = unknown)."""
        return self._follower.leader

    def close(self):
        self._follower.close()

    def _next_endpoint(self, budget_ms):
        if self._replicas:
            endpoint = self._replicas[self._next_replica % len(self._replicas)]
            self._next_replica += 1
            return endpoint
        return self._discover(min(budget_ms, self.request_timeout_ms))["consensus"]

    def call(self, msg_type, body, call_timeout_ms=None):
        """One request with redirects and retries, the same request id throughout: the reply
        Envelope. An ERROR that is not NOT_LEADER or UNAVAILABLE raises its OrionError; so does
        running out of time (UNAVAILABLE, naming the replicas tried and the last error)."""
        request = p.Envelope(msg_type, secrets.token_hex(8), p.encode_value(body))
        # A WAIT_PROPOSAL is held by the leader for its timeout: allow for it.
        held_ms = body.get("timeout_ms", 0) if msg_type == MsgType.WAIT_PROPOSAL else 0
        return self._follower.call(request, hold_ms=held_ms, call_timeout_ms=call_timeout_ms)

    def propose(self, body):
        """PROPOSE: the PROPOSE_OK dict (proposal_id, outcome, duplicate)."""
        return cm.parse_propose_ok(self.call(MsgType.PROPOSE, body).body)

    def status(self, proposal_id):
        return cm.parse_proposal_info(self.call(MsgType.GET_PROPOSAL, cm.get_proposal_body(proposal_id)).body)

    def wait(self, proposal_id, timeout_ms):
        """The proposal once decided, or at timeout_ms (then PENDING)."""
        deadline = _monotonic_ms() + int(timeout_ms)
        while True:
            slice_ms = max(0, min(deadline - _monotonic_ms(), WAIT_SLICE_MS))
            view = cm.parse_proposal_info(
                self.call(MsgType.WAIT_PROPOSAL, cm.wait_proposal_body(proposal_id, slice_ms)).body)
            if view["outcome"] != cm.Outcome.PENDING or _monotonic_ms() >= deadline:
                return view
