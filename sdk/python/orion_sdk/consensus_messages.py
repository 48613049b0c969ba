"""The consensus messages (ORION/1 types 60..73, docs/protocol.md section 13) for Python: the
enums, the bodies the SDK sends and parsers for the ones it receives, field for field as
common/protocol.toml (whose C++ is generated from it), with its bounds.

    from orion_sdk import consensus_messages as cm
    body = cm.propose_body("deploy", {"v": 2}, cm.ConsensusType.MAJORITY, voters, capability="gpu")
    view = cm.parse_proposal_info(reply.body)      # a dict; view["outcome"] is an Outcome
"""

import enum

from . import protocol as p
from . import schema
from .messages import read_body, read_record
from .protocol import ErrorCode, MsgType, OrionError

MAX_VOTERS = schema.MAX_VOTERS      # eligible voters of one proposal
MAX_VOTES = schema.MAX_VOTES        # counted votes in a ProposalView
DEFAULT_PROPOSAL_TIMEOUT_MS = schema.DEFAULT_PROPOSAL_TIMEOUT_MS
MAX_WAIT_PROPOSAL_MS = schema.MAX_WAIT_MS
MIN_RESULT_TTL_MS = schema.MIN_PROPOSAL_RETENTION_MS  # a proposal's result_ttl_ms: 0 (the service's) or this..
MAX_RESULT_TTL_MS = schema.MAX_PROPOSAL_RETENTION_MS  # ..10 years
MAX_CLUSTER_ID_BYTES = 64            # a cluster id (--cluster-id), in every vote's signed bytes
PUBLIC_KEY_HEX = 64
SIGNATURE_HEX = 128
_HEX = frozenset("0123456789abcdefABCDEF")


class ConsensusType(enum.IntEnum):
    """How a proposal is decided (section 13.6, frozen)."""
    UNKNOWN = 0
    MAJORITY = 1
    UNANIMOUS = 2
    WEIGHTED = 3
    PBFT = 4
    RAFT = 5


class Outcome(enum.IntEnum):
    """Where a proposal stands (section 13.6, frozen). Only PENDING ever changes."""
    UNKNOWN = 0
    PENDING = 1
    APPROVED = 2
    REJECTED = 3
    EXPIRED = 4

    @property
    def decided(self):
        return self in (Outcome.APPROVED, Outcome.REJECTED, Outcome.EXPIRED)


def consensus_type_of(kind):
    """A ConsensusType from a ConsensusType, an int 1..5 or a name in any case ("majority").
    INVALID_ARGUMENT naming field 'consensus_type' otherwise."""
    if isinstance(kind, str):
        name = kind.strip().upper()
        if name in ConsensusType.__members__ and name != "UNKNOWN":
            return ConsensusType[name]
        raise OrionError(ErrorCode.INVALID_ARGUMENT, "field 'consensus_type': unknown consensus type '%s'" % kind)
    if isinstance(kind, bool) or not isinstance(kind, int) or not 1 <= kind <= 5:
        raise OrionError(ErrorCode.INVALID_ARGUMENT, "field 'consensus_type': must be in 1..5")
    return ConsensusType(kind)


def _is_hex(s, digits):
    return isinstance(s, str) and len(s) == digits and all(c in _HEX for c in s)


# ---- bodies sent ------------------------------------------------------------------------------


def voter(agent_id, weight=1.0, public_key=""):
    """A Voter record."""
    return {"agent_id": agent_id, "weight": float(weight), "public_key": public_key}


def propose_body(proposal_type, data, consensus_type, voters, capability="", proposer="",
                 timeout_ms=DEFAULT_PROPOSAL_TIMEOUT_MS, result_ttl_ms=0):
    """PROPOSE, with the fields C++ Propose::to_body emits (result_ttl_ms only when not 0: how
    long the decided proposal is kept; 0 = the service's retention)."""
    body = {"proposer": proposer, "type": proposal_type, "data": data, "capability": capability,
            "consensus_type": int(consensus_type_of(consensus_type)), "voters": list(voters),
            "timeout_ms": int(timeout_ms)}
    if result_ttl_ms:
        body["result_ttl_ms"] = int(result_ttl_ms)
    return body


def parse_propose(b):
    """A PROPOSE body checked as the leader checks it (C++ Propose::from_body): INVALID_ARGUMENT
    naming the first bad field, TOO_LARGE for data over 4 MiB."""
    p._need_map(b)
    out = {"proposer": p.read_str(b, "proposer"),
           "type": p.read_str(b, "type", required=True),
           "data": p.read_any(b, "data"),
           "capability": p.read_str(b, "capability"),
           "consensus_type": ConsensusType(p.read_int(b, "consensus_type", 1, 5, default=1)),
           "timeout_ms": p.read_int(b, "timeout_ms", 1, p.MAX_TIMEOUT_MS, default=DEFAULT_PROPOSAL_TIMEOUT_MS),
           "result_ttl_ms": p.read_int(b, "result_ttl_ms", 0, MAX_RESULT_TTL_MS)}
    if 0 < out["result_ttl_ms"] < MIN_RESULT_TTL_MS:
        raise p._invalid("result_ttl_ms", "must be 0 (the service's retention) or at least 1000 (1 s)")
    if not out["type"]:
        raise p._invalid("type", "must not be empty")
    if len(p.encode_value(out["data"])) > p.MAX_INPUT_BYTES:
        raise OrionError(ErrorCode.TOO_LARGE, "field 'data': larger than %d bytes" % p.MAX_INPUT_BYTES)
    raft = out["consensus_type"] == ConsensusType.RAFT
    voters, seen = [], set()
    raw = b.get("voters")
    if raw is not None:
        if not isinstance(raw, list) or len(raw) > MAX_VOTERS:
            raise p._invalid("voters", "must be an array of at most 1024 voters")
        for i, item in enumerate(raw):
            where = "voters[%d]" % i
            try:
                v = parse_voter(item)
            except OrionError as e:
                raise p._invalid(where, e.message) from None
            if v["agent_id"] in seen:
                raise p._invalid(where, "agent '%s' is listed twice" % v["agent_id"])
            seen.add(v["agent_id"])
            if not raft and not v["public_key"]:
                raise p._invalid(where + ".public_key", "is required: every vote is signed")
            voters.append(v)
    if raft:
        voters = []
    elif not voters:
        raise p._invalid("voters", "must name at least one eligible voter")
    out["voters"] = voters
    return out


def vote_body(proposal_id, agent_id, yes, signature):
    return {"proposal_id": proposal_id, "agent_id": agent_id, "vote": "yes" if yes else "no",
            "signature": signature}


def get_proposal_body(proposal_id):
    return {"proposal_id": proposal_id}


def wait_proposal_body(proposal_id, timeout_ms):
    return {"proposal_id": proposal_id, "timeout_ms": int(timeout_ms)}


# ---- bodies received --------------------------------------------------------------------------


def parse_voter(j):
    p._need_map(j)
    out = {"agent_id": p.read_str(j, "agent_id", required=True),
           "weight": p.read_num(j, "weight", 1e-9, 1e9, default=1.0),
           "public_key": p.read_str(j, "public_key", max_bytes=PUBLIC_KEY_HEX)}
    if not out["agent_id"] or "\x00" in out["agent_id"]:
        raise p._invalid("agent_id", "must be non-empty, without NUL bytes")
    if out["public_key"] and not _is_hex(out["public_key"], PUBLIC_KEY_HEX):
        raise p._invalid("public_key", "must be 64 hex digits (an Ed25519 public key)")
    return out


def parse_propose_ok(b):
    out = read_body(MsgType.PROPOSE_OK, b)
    out["outcome"] = Outcome(out["outcome"])
    return out


def parse_vote(b):
    """A VOTE body checked as the leader checks it (C++ Vote::from_body)."""
    p._need_map(b)
    out = {"proposal_id": p.read_str(b, "proposal_id", required=True),
           "agent_id": p.read_str(b, "agent_id", required=True),
           "vote": p.read_str(b, "vote", required=True),
           "signature": p.read_str(b, "signature", required=True, max_bytes=SIGNATURE_HEX)}
    if out["vote"] not in ("yes", "no"):
        raise p._invalid("vote", 'must be "yes" or "no"')
    if not out["agent_id"] or "\x00" in out["agent_id"]:
        raise p._invalid("agent_id", "must be non-empty, without NUL bytes")
    if "\x00" in out["proposal_id"]:
        raise p._invalid("proposal_id", "must not contain NUL bytes")
    if not _is_hex(out["signature"], SIGNATURE_HEX):
        raise p._invalid("signature", "must be 128 hex digits (an Ed25519 signature)")
    out["yes"] = out.pop("vote") == "yes"
    return out


def parse_vote_ok(b):
    out = read_body(MsgType.VOTE_OK, b)
    out["outcome"] = Outcome(out["outcome"])
    return out


def parse_tally(j):
    p._need_map(j)
    return read_record("Tally", j)


def _nested(field, parse, value):
    try:
        return parse(value)
    except OrionError as e:
        raise p._invalid(field, e.message) from None


def _parse_vote_record(j):
    p._need_map(j)
    out = {"agent_id": p.read_str(j, "agent_id", required=True),
           "vote": p.read_str(j, "vote", required=True),
           "weight": p.read_num(j, "weight", 0, 1e9, default=1.0),
           "at_ms": p.read_int(j, "at_ms", 0, p.INT64_MAX),
           "signature": p.read_str(j, "signature", max_bytes=SIGNATURE_HEX)}
    if out["vote"] not in ("yes", "no"):
        raise p._invalid("vote", 'must be "yes" or "no"')
    return out


def parse_proposal_view(j):
    """A ProposalView (section 13.3) as a dict: consensus_type and outcome as enums, tally as a
    dict, votes as dicts with vote "yes"/"no"."""
    p._need_map(j)
    out = {"proposal_id": p.read_str(j, "proposal_id", required=True),
           "cluster_id": p.read_str(j, "cluster_id", max_bytes=MAX_CLUSTER_ID_BYTES),
           "content_digest": p.read_str(j, "content_digest", max_bytes=64),
           "proposer": p.read_str(j, "proposer"),
           "type": p.read_str(j, "type"),
           "capability": p.read_str(j, "capability"),
           "namespace": p.read_str(j, "namespace") or "default",
           "data": p.read_any(j, "data"),
           "consensus_type": ConsensusType(p.read_int(j, "consensus_type", 0, 5)),
           "faulty": p.read_str_list(j, "faulty", max_items=MAX_VOTERS),
           "outcome": Outcome(p.read_int(j, "outcome", 0, 4, required=True)),
           "created_ms": p.read_int(j, "created_ms", 0, p.INT64_MAX),
           "deadline_ms": p.read_int(j, "deadline_ms", 0, p.INT64_MAX),
           "decided_ms": p.read_int(j, "decided_ms", 0, p.INT64_MAX),
           "result_ttl_ms": p.read_int(j, "result_ttl_ms", 0, MAX_RESULT_TTL_MS),
           "expires_ms": p.read_int(j, "expires_ms", 0, p.INT64_MAX)}
    voters = j.get("voters")
    if voters is not None and (not isinstance(voters, list) or len(voters) > MAX_VOTERS):
        raise p._invalid("voters", "must be an array of at most 1024 voters")
    out["voters"] = [_nested("voters", parse_voter, v) for v in voters or []]
    votes = j.get("votes")
    if votes is not None and (not isinstance(votes, list) or len(votes) > MAX_VOTES):
        raise p._invalid("votes", "must be an array of at most 2048 votes")
    out["votes"] = [_nested("votes", _parse_vote_record, v) for v in votes or []]
    tally = j.get("tally")
    out["tally"] = _nested("tally", parse_tally, tally) if tally is not None else parse_tally({})
    return out


def parse_proposal_info(b):
    if not isinstance(b, dict) or "proposal" not in b:
        raise p._invalid("proposal", "is required")
    return parse_proposal_view(b["proposal"])


def parse_proposal_created(data):
    """The data of a `proposal.created.<capability>` event (section 13.7), as the C++ agent reads
    it: proposal_id, cluster_id, content_digest, proposer, type, capability, data, consensus_type (the name, read into a
    ConsensusType; UNKNOWN when not one), voters (agent ids), created_ms, deadline_ms. Raises
    OrionError for a field of the wrong type."""
    p._need_map(data)
    name = p.read_str(data, "consensus_type")
    kind = ConsensusType[name.upper()] if name.upper() in ConsensusType.__members__ else ConsensusType.UNKNOWN
    return {"proposal_id": p.read_str(data, "proposal_id"),
            "cluster_id": p.read_str(data, "cluster_id", max_bytes=MAX_CLUSTER_ID_BYTES),
            "content_digest": p.read_str(data, "content_digest", max_bytes=64),
            "proposer": p.read_str(data, "proposer"),
            "type": p.read_str(data, "type"),
            "capability": p.read_str(data, "capability"),
            "data": p.read_any(data, "data"),
            "consensus_type": kind,
            "voters": p.read_str_list(data, "voters", max_items=MAX_VOTERS),
            "created_ms": p.read_int(data, "created_ms", 0, p.INT64_MAX),
            "deadline_ms": p.read_int(data, "deadline_ms", 0, p.INT64_MAX)}


def decision_dict(view):
    """A ProposalView in the shape `orionctl decision --json` prints: proposal_id, type,
    consensus, outcome (names), yes_weight, no_weight, eligible_weight, votes [{agent_id, vote,
    weight}], faulty, decided_ms; namespace when not "default"."""
    t = view["tally"]
    out = {"proposal_id": view["proposal_id"], "type": view["type"], "consensus": view["consensus_type"].name,
           "outcome": view["outcome"].name, "yes_weight": t["yes_weight"], "no_weight": t["no_weight"],
           "eligible_weight": t["eligible_weight"],
           "votes": [{"agent_id": v["agent_id"], "vote": v["vote"], "weight": v["weight"]} for v in view["votes"]],
           "faulty": list(view["faulty"]), "decided_ms": view["decided_ms"]}
    if view.get("namespace", "default") != "default":
        out["namespace"] = view["namespace"]
    return out
