"""The agent's vote machinery (Agent.on_vote), the twin of the vote half of sdk/cpp/agent_messages.cpp.
Used by orion_sdk.agent only; every method but the vote job runs on the networking thread.

    DISCOVERY                  events_sub: SUB connected, subscribed to proposal.created.<cap> for
                               each capability; consensus: the DEALER to the leader. DISCOVER is
                               repeated (backoff) while either is still unknown.
    several registries         the probe, a DEALER to all of them, sends DISCOVER every
                               BUS_PROBE_MS (each goes to the next connected registry) until every
                               registry's bus is heard, then every BUS_REFRESH_MS; the SUB connects
                               to each bus named, so events keep coming when any one registry
                               dies. An event heard twice is one proposal: seen once.
    proposal.created event     capability one of ours, consensus type not RAFT, this agent among
                               `voters`, not seen before: the handler runs on the vote thread,
                               which signs the answer (vote_signature.py).
    signed vote                VOTE (one request id per proposal) to the leader, re-sent every
                               VOTE_RETRY_MS until VOTE_OK; nothing at all heard from the leader
                               since the last send: forget its endpoint, DISCOVER.
    ERROR to a VOTE            NOT_LEADER with a leader: reconnect there, re-send at once;
                               NOT_LEADER without one: re-send later (an election is under way);
                               UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED: re-send later; any other
                               code (PERMISSION_DENIED, FAILED_PRECONDITION, ...): dropped, logged.
    Events are news: a proposal whose event was lost gets no vote from this agent.
"""

import collections
import logging
import secrets

import zmq

from . import consensus_messages as cm
from . import protocol as p
from .protocol import ErrorCode, MsgType, OrionError
from .sockets import make_socket, receive, send_envelope
from .vote_signature import sign_vote, vote_subject

VOTE_RETRY_MS = 500                # a VOTE unanswered this long is sent again
MAX_REMEMBERED_PROPOSALS = 4096    # proposal ids already handed to the vote thread
MAX_EVENTS_PER_TURN = 1000         # per loop turn, so timers still run
BUS_PROBE_MS = 300                 # several registries: DISCOVER on the probe while a bus is unknown
BUS_REFRESH_MS = 10_000            # ... and this often once every registry's bus is heard

log = logging.getLogger("orion.agent")


class _PendingVote:
    __slots__ = ("body", "yes", "request_id", "sent_ms", "next_send_ms")

    def __init__(self, body, yes):
        self.body = body                            # the signed VOTE body
        self.yes = yes
        self.request_id = secrets.token_hex(8).encode()  # the same on every re-send
        self.sent_ms = -1                           # last send; -1 = not sent (no leader known)
        self.next_send_ms = 0


def _vote_job(proposal, handler, agent_id, secret_key, outbox):
    """On the vote thread: asks the handler, signs its answer, hands it to the networking thread.
    An exception, or an answer that is not True or False, means no vote (logged)."""
    try:
        answer = handler(proposal)
    except BaseException as e:  # noqa: B902 - a handler's SystemExit must not kill the vote thread
        log.warning("event=vote_handler_failed agent=%s proposal=%s error=%s action=no_vote", agent_id,
                    proposal["proposal_id"], str(e) or type(e).__name__)
        return
    if not isinstance(answer, bool):
        log.warning("event=vote_handler_failed agent=%s proposal=%s error=%s action=no_vote", agent_id,
                    proposal["proposal_id"], "returned %s, not True or False" % type(answer).__name__)
        return
    # Over the digest of the content the handler was shown (computed here): a vote cannot be
    # carried onto other data.
    signature = sign_vote(secret_key, vote_subject(proposal, agent_id), answer)
    outbox.push(("vote", cm.vote_body(proposal["proposal_id"], agent_id, answer, signature)))


class Voting:
    """Subscribes to proposals, runs the vote handler on its own thread, sends signed VOTEs to the
    consensus leader until VOTE_OK or a refusal. Made by Agent.run() when a vote handler is set."""

    def __init__(self, agent_id, capabilities, secret_key, handler, outbox, pool, ctx, clock, registries=()):
        self.agent_id = agent_id
        self._caps = list(capabilities)
        self._secret_key = secret_key
        self._handler = handler
        self._outbox = outbox
        self._pool = pool          # one thread: handlers run one proposal at a time
        self._ctx = ctx
        self._now = clock
        self.events = None         # SUB to every bus heard of
        self.buses = []            # DISCOVERY.events_sub of each registry, as `events` connected them
        self._registries = list(registries)
        self.probe = None          # DEALER to every registry (several only): DISCOVER for their buses
        self._probe_ids = collections.OrderedDict()
        self._next_probe_ms = 0
        if len(self._registries) > 1:
            self.probe = make_socket(ctx, zmq.DEALER)
            self.probe.setsockopt(zmq.IMMEDIATE, 1)  # round robin over the registries that answer
            for r in self._registries:
                self.probe.connect(r)
        self.consensus = None      # DEALER to the leader
        self.consensus_endpoint = ""
        self._last_heard_ms = 0    # anything at all from the consensus socket
        self._votes = {}           # proposal id -> _PendingVote, until VOTE_OK or a refusal
        self._seen = collections.OrderedDict()  # proposal ids handed to the vote thread (events repeat)
        self.stopping = False

    # ---- endpoints ----

    def need_discovery(self):
        return not self.buses or not self.consensus_endpoint

    def sockets(self):
        return [s for s in (self.events, self.consensus, self.probe) if s is not None]

    def use_endpoints(self, d):
        """From a DISCOVERY: subscribe to the bus, connect to the consensus leader."""
        self.listen(d["events_sub"])
        if d["consensus"] and not self.consensus_endpoint:
            if not self._open_consensus(d["consensus"]):
                return
            log.debug("event=consensus_known agent=%s consensus=%s pending_votes=%d", self.agent_id,
                      d["consensus"], len(self._votes))
            now = self._now()
            for pending in self._votes.values():
                self._send_vote(pending, now)

    def listen(self, endpoint):
        """The SUB connects to every bus it is told of, each once; a bus whose registry died stays
        connected (ZeroMQ reconnects when it comes back on its address). Bounded: past two buses
        per registry (registries restarted on new ports) the SUB starts again from this one."""
        if not endpoint or endpoint in self.buses:
            return
        if len(self.buses) >= 2 * max(1, len(self._registries)):
            if self.events is not None:
                self.events.close(0)
            self.events, self.buses = None, []
        topics = ["proposal.created." + cap for cap in self._caps]
        try:
            if self.events is None:
                s = make_socket(self._ctx, zmq.SUB)
                for topic in topics:
                    s.setsockopt(zmq.SUBSCRIBE, topic.encode("utf-8", "surrogateescape"))
                self.events = s
            self.events.connect(endpoint)
        except zmq.ZMQError as e:
            log.warning("event=bad_bus_address agent=%s address=%s error=%s", self.agent_id, endpoint, e)
            return
        self.buses.append(endpoint)
        log.info("event=vote_subscribed agent=%s bus=%s buses=%d topics=%s", self.agent_id, endpoint, len(self.buses),
                 topics)
        if not topics:
            log.warning("event=vote_no_capabilities agent=%s why=proposals_are_published_per_capability",
                        self.agent_id)

    def _probe_buses(self, now):
        rid = secrets.token_hex(8).encode()
        self._probe_ids[rid] = True
        if len(self._probe_ids) > 64:
            self._probe_ids.popitem(last=False)
        try:
            send_envelope(self.probe, p.Envelope(MsgType.DISCOVER, rid, {}))
        except (zmq.ZMQError, OrionError) as e:
            log.debug("event=send_failed agent=%s peer=registries type=DISCOVER error=%s", self.agent_id, e)
        self._next_probe_ms = now + (BUS_PROBE_MS if len(self.buses) < len(self._registries) else BUS_REFRESH_MS)

    def _receive_probe(self):
        for _ in range(MAX_EVENTS_PER_TURN):
            if self.probe is None:
                return
            try:
                incoming = receive(self.probe)
            except zmq.ZMQError:
                return
            if incoming is None:
                return
            e = incoming.envelope
            if e is None or e.type != MsgType.DISCOVERY or self._probe_ids.pop(e.request_id, None) is None:
                continue
            sub = e.body.get("events_sub") if isinstance(e.body, dict) else None
            if isinstance(sub, str):
                self.listen(sub)

    def _open_consensus(self, endpoint):
        self._close_consensus()
        s = make_socket(self._ctx, zmq.DEALER)
        try:
            s.connect(endpoint)
        except zmq.ZMQError as e:
            s.close(0)
            log.warning("event=bad_consensus_address agent=%s address=%s error=%s", self.agent_id, endpoint, e)
            return False
        self.consensus, self.consensus_endpoint = s, endpoint
        return True

    def _close_consensus(self):
        if self.consensus is not None:
            self.consensus.close()
        self.consensus, self.consensus_endpoint = None, ""

    def _lose_consensus(self, why):
        log.info("event=consensus_lost agent=%s consensus=%s why=%s action=discover_again", self.agent_id,
                 self.consensus_endpoint, why)
        self._close_consensus()
        for pending in self._votes.values():
            pending.sent_ms = -1
        # need_discovery() is true now: the agent sends DISCOVER on its next timer turn.

    def close(self):
        self._close_consensus()
        if self.events is not None:
            self.events.close(0)
        if self.probe is not None:
            self.probe.close(0)
        self.events, self.buses, self.probe = None, [], None

    # ---- proposals ----

    def receive_events(self):
        self._receive_probe()
        for _ in range(MAX_EVENTS_PER_TURN):
            if self.events is None:
                return
            try:
                incoming = receive(self.events, topic=True)
            except zmq.ZMQError as e:
                log.debug("event=receive_failed agent=%s peer=bus error=%s", self.agent_id, e)
                return
            if incoming is None:
                return
            e = incoming.envelope
            if e is None or e.type != MsgType.EVENT or not isinstance(e.body.get("data"), dict):
                continue
            if not incoming.topic.startswith(b"proposal.created"):
                continue  # prefixes may match more
            self._on_proposal_created(e.body["data"])

    def _on_proposal_created(self, data):
        if self.stopping:
            return
        try:
            proposal = cm.parse_proposal_created(data)
        except OrionError as err:
            log.warning("event=bad_event agent=%s topic=proposal.created error=%s", self.agent_id, err)
            return
        proposal["outcome"] = cm.Outcome.PENDING
        pid = proposal["proposal_id"]
        if isinstance(data, dict) and "truncated" in data:
            # The event left fields out (over the event size bound, protocol.md section 7.1):
            # never vote on a proposal whose data was not seen.
            log.warning("event=vote_skipped agent=%s proposal=%s why=event_truncated", self.agent_id, pid)
            return
        # Subscriptions are prefixes: "proposal.created.gpu" also brings capability "gpu2".
        if not pid or proposal["capability"] not in self._caps:
            return
        if proposal["consensus_type"] in (cm.ConsensusType.RAFT, cm.ConsensusType.UNKNOWN):
            return
        if self.agent_id not in proposal["voters"]:
            log.debug("event=vote_not_eligible agent=%s proposal=%s", self.agent_id, pid)
            return
        if pid in self._seen:
            return  # the same event again
        self._seen[pid] = True
        if len(self._seen) > MAX_REMEMBERED_PROPOSALS:
            self._seen.popitem(last=False)
        log.debug("event=vote_asked agent=%s proposal=%s type=%s consensus_type=%s", self.agent_id, pid,
                  proposal["type"], proposal["consensus_type"].name)
        handler, agent_id, key, outbox = self._handler, self.agent_id, self._secret_key, self._outbox
        self._pool.submit(pid, lambda: _vote_job(proposal, handler, agent_id, key, outbox))

    # ---- votes ----

    def add_vote(self, body, now):
        """A signed vote from the vote thread: send it until answered."""
        if self.stopping:
            return
        yes = body["vote"] == "yes"
        log.info("event=vote_decided agent=%s proposal=%s vote=%s", self.agent_id, body["proposal_id"], body["vote"])
        pending = _PendingVote(body, yes)
        self._votes[body["proposal_id"]] = pending
        self._send_vote(pending, now)

    def _send_vote(self, pending, now):
        pending.next_send_ms = now + VOTE_RETRY_MS
        if self.consensus is None:
            return  # DISCOVER is under way; sent when the leader is known
        if pending.sent_ms < 0 or self._last_heard_ms >= pending.sent_ms:
            pending.sent_ms = now
        try:
            send_envelope(self.consensus, p.Envelope(MsgType.VOTE, pending.request_id, pending.body))
        except OrionError as e:  # our own body does not encode: a bug, never a crash
            log.error("event=send_failed agent=%s peer=consensus type=VOTE error=%s", self.agent_id, e)

    def deadlines(self):
        if self.stopping:
            return []
        return [v.next_send_ms for v in self._votes.values()] + ([self._next_probe_ms] if self.probe else [])

    def on_timers(self, now):
        if self.probe is not None and not self.stopping and now >= self._next_probe_ms:
            self._probe_buses(now)
        if not self._votes or self.stopping:
            return
        # Nothing at all heard from the leader for VOTE_RETRY_MS since a VOTE went out: it is gone
        # or no longer leads. Ask the registry again (Lazy Pirate).
        if self.consensus is not None:
            for v in self._votes.values():
                if v.sent_ms >= 0 and self._last_heard_ms < v.sent_ms and now - v.sent_ms >= VOTE_RETRY_MS:
                    self._lose_consensus("no_answer")
                    break
        for v in self._votes.values():
            if now >= v.next_send_ms:
                self._send_vote(v, now)

    def receive_consensus(self):
        for _ in range(MAX_EVENTS_PER_TURN):
            if self.consensus is None:
                return
            try:
                incoming = receive(self.consensus)
            except zmq.ZMQError as e:
                log.debug("event=receive_failed agent=%s peer=consensus error=%s", self.agent_id, e)
                return
            if incoming is None:
                return
            self._on_consensus(incoming, self._now())

    def _on_consensus(self, incoming, now):
        self._last_heard_ms = now
        if incoming.error is not None:
            log.warning("event=bad_message agent=%s peer=consensus error=%s", self.agent_id, incoming.error)
            return
        e = incoming.envelope
        pid = next((k for k, v in self._votes.items() if v.request_id == e.request_id), None)
        if pid is None:
            return  # an answer to a vote already settled
        pending = self._votes[pid]
        if e.type == MsgType.VOTE_OK:
            try:
                ok = cm.parse_vote_ok(e.body)
                outcome, duplicate = ok["outcome"].name, str(ok["duplicate"]).lower()
            except OrionError:
                outcome, duplicate = "?", "false"
            log.info("event=vote_counted agent=%s proposal=%s vote=%s outcome=%s duplicate=%s", self.agent_id, pid,
                     "yes" if pending.yes else "no", outcome, duplicate)
            del self._votes[pid]
            return
        if e.type != MsgType.ERROR:
            log.warning("event=unexpected_message agent=%s peer=consensus type=%s", self.agent_id, e.type.name)
            return
        err = p.error_from_body(e.body)
        if err.code == ErrorCode.NOT_LEADER:
            leader = e.body.get("leader")
            leader = leader if isinstance(leader, str) else ""
            if not leader or leader == self.consensus_endpoint:
                # An election is under way: the same replica again at next_send_ms names the winner
                # (a dead one is noticed by its silence).
                log.debug("event=vote_retry agent=%s proposal=%s why=no_leader_yet", self.agent_id, pid)
                return
            log.info("event=consensus_redirect agent=%s from=%s to=%s", self.agent_id, self.consensus_endpoint, leader)
            if not self._open_consensus(leader):
                self._lose_consensus("bad_redirect")
                return
            for v in self._votes.values():
                v.sent_ms = -1
                self._send_vote(v, now)
            return
        if err.code in p.RETRYABLE_CODES:
            log.debug("event=vote_retry agent=%s proposal=%s error=%s", self.agent_id, pid, err)
            return  # re-sent at next_send_ms
        log.warning("event=vote_refused agent=%s proposal=%s error=%s action=drop", self.agent_id, pid, err)
        del self._votes[pid]
