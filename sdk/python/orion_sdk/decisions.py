"""Distributed decisions from the client side (the twin of sdk/cpp/decisions.* and of the
C++ services/consensus/consensus_client.*): who votes, and a small consensus client that finds
the leader through the registry, follows NOT_LEADER redirects and retries with the same request
id. Client.make_distributed_decision / get_decision_status / wait_decision use it.

    with Client("tcp://127.0.0.1:7100") as client:
        pid = client.make_distributed_decision("deploy", {"version": "1.2"}, "majority", 30_000, capability="deploy")
        view = client.wait_decision(pid, timeout_ms=30_000)     # a ProposalView dict
        print(view["outcome"].name, view["tally"]["yes_weight"], [v["agent_id"] for v in view["votes"]])
"""

import secrets
import time

import zmq

from . import consensus_messages as cm
from . import protocol as p
from .protocol import ErrorCode, MsgType, OrionError
from .sockets import make_socket, send_envelope, wait_reply

RETRY_PAUSE_MS = 25        # pause between tries while no leader is known: pacing, not a race
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
    """Requests to the consensus leader. `discover` is a function returning the registry's
    DISCOVERY dict (Client.discover); `replicas` (optional) are client endpoints tried in turn
    instead. Not thread-safe."""

    def __init__(self, ctx, discover, replicas=(), request_timeout_ms=2000, call_timeout_ms=15_000):
        self._ctx = ctx
        self._discover = discover
        self._replicas = list(replicas)
        self._next_replica = 0
        self.request_timeout_ms = int(request_timeout_ms)
        self.call_timeout_ms = int(call_timeout_ms)
        self._sockets = {}
        self.leader = ""  # where the last call was answered, "" = choose one

    def close(self):
        for s in self._sockets.values():
            s.close(0)
        self._sockets.clear()

    def _socket(self, endpoint):
        s = self._sockets.get(endpoint)
        if s is None:
            s = make_socket(self._ctx, zmq.DEALER, linger_ms=0)  # an abandoned request must not hold the process
            s.connect(endpoint)
            self._sockets[endpoint] = s
        return s

    def _drop(self, endpoint):
        s = self._sockets.pop(endpoint, None)
        if s is not None:
            s.close(0)

    def _next_endpoint(self):
        if self._replicas:
            endpoint = self._replicas[self._next_replica % len(self._replicas)]
            self._next_replica += 1
            return endpoint
        try:
            return self._discover()["consensus"]
        except OrionError:
            return ""  # the registry is away: try again until the call's deadline

    def _exchange(self, endpoint, request, timeout_ms):
        """One send and wait at one endpoint: the reply Envelope, or None on timeout."""
        s = self._socket(endpoint)
        if not send_envelope(s, request):
            self._drop(endpoint)
            return None
        return wait_reply(s, request.request_id, timeout_ms)

    def call(self, msg_type, body, call_timeout_ms=None):
        """One request with redirects and retries, the same request id throughout: the reply
        Envelope. An ERROR that is not NOT_LEADER or UNAVAILABLE raises its OrionError; so does
        running out of time (UNAVAILABLE, or the last NOT_LEADER)."""
        request = p.Envelope(msg_type, secrets.token_hex(8), p.encode_value(body))
        deadline = _monotonic_ms() + (self.call_timeout_ms if call_timeout_ms is None else call_timeout_ms)
        last = OrionError(ErrorCode.UNAVAILABLE, "no consensus replica answered")
        # A WAIT_PROPOSAL is held by the leader for its timeout: allow for it.
        held_ms = body.get("timeout_ms", 0) if msg_type == MsgType.WAIT_PROPOSAL else 0
        while _monotonic_ms() < deadline:
            if not self.leader:
                self.leader = self._next_endpoint()
            if not self.leader:
                time.sleep(RETRY_PAUSE_MS / 1000.0)
                continue
            try_ms = min(self.request_timeout_ms + held_ms, max(1, deadline - _monotonic_ms()))
            reply = self._exchange(self.leader, request, try_ms)
            if reply is None:
                # Dead or partitioned: a new socket drops what the old one queued; try another replica.
                last = OrionError(ErrorCode.UNAVAILABLE, "no reply from %s" % self.leader)
                self._drop(self.leader)
                self.leader = ""
                continue
            if reply.type != MsgType.ERROR:
                return reply
            err = p.error_from_body(reply.body)
            if err.code == ErrorCode.NOT_LEADER:
                last = err
                leader = reply.body.get("leader")
                if isinstance(leader, str) and leader and leader != self.leader:
                    self.leader = leader
                    continue
                self.leader = ""  # no leader known yet: an election is under way
                time.sleep(RETRY_PAUSE_MS / 1000.0)
                continue
            if err.code == ErrorCode.UNAVAILABLE:
                last = err  # a leader catching up, or an outcome unknown: the same request id again
                time.sleep(RETRY_PAUSE_MS / 1000.0)
                continue
            raise err
        raise last

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
