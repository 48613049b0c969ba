"""Ed25519 vote signatures through libsodium (ctypes), byte for byte what common/vote_signature.*
does in C++: the same signed bytes, the same keys, the same hex.

    from orion_sdk.vote_signature import VoteKeys, sign_vote, verify_vote, vote_subject

    keys = VoteKeys.generate()                       # or VoteKeys.from_hex(seed_or_secret_hex)
    about = vote_subject(proposal, "a1")             # proposal: as the vote handler was shown it
    sig = sign_vote(keys.secret_key, about, True)    # 128 lower-case hex digits
    assert verify_vote(keys.public_key_hex, about, True, sig)

What is signed (docs/protocol.md section 13.5), with no terminator:

    "ORION-VOTE/2" 0x00 cluster_id 0x00 proposal_id 0x00 content_digest 0x00 agent_id 0x00 ("yes" | "no")

content_digest is BLAKE2b-256 (hex) of the canonical msgpack (canonical.py) of
[proposer, type, capability, consensus type name, data]: the vote holds only for that cluster,
that proposal and the content the agent was shown.

The SDK uses only Debian's python3-zmq and python3-msgpack, so Ed25519 comes from the libsodium
shared library that the C++ services link already (Debian libsodium23). It is loaded on first
use; without it, SodiumUnavailable (a RuntimeError) says so and how to install it.
"""

import ctypes
import ctypes.util
import hashlib
import threading

from .canonical import encode_canonical
from .key_file import bad_key_file, check_secret_mode, read_key_file

SIGN_PREFIX = b"ORION-VOTE/2"
PUBLIC_KEY_BYTES = 32
SECRET_KEY_BYTES = 64  # libsodium's form: the 32-byte seed, then the public key
SEED_BYTES = 32
SIGNATURE_BYTES = 64


class SodiumUnavailable(RuntimeError):
    """libsodium could not be loaded: votes cannot be signed or checked."""


_lock = threading.Lock()
_lib = None


def _sodium():
    """The loaded libsodium, initialised once (sodium_init is idempotent and thread-safe)."""
    global _lib
    with _lock:
        if _lib is not None:
            return _lib
        name = ctypes.util.find_library("sodium")
        candidates = [name] if name else []
        candidates += ["libsodium.so.23", "libsodium.so"]
        lib = None
        errors = []
        for candidate in candidates:
            try:
                lib = ctypes.CDLL(candidate)
                break
            except OSError as e:
                errors.append(str(e))
        if lib is None:
            raise SodiumUnavailable("libsodium is not installed, so votes cannot be signed: "
                                    "apt-get install libsodium23 (tried %s)" % "; ".join(errors or candidates))
        if lib.sodium_init() < 0:
            raise SodiumUnavailable("libsodium failed to initialise")
        u8p = ctypes.c_char_p
        lib.crypto_sign_keypair.argtypes = [u8p, u8p]
        lib.crypto_sign_seed_keypair.argtypes = [u8p, u8p, u8p]
        lib.crypto_sign_detached.argtypes = [u8p, ctypes.c_void_p, u8p, ctypes.c_ulonglong, u8p]
        lib.crypto_sign_verify_detached.argtypes = [u8p, u8p, ctypes.c_ulonglong, u8p]
        for f in (lib.crypto_sign_keypair, lib.crypto_sign_seed_keypair, lib.crypto_sign_detached,
                  lib.crypto_sign_verify_detached):
            f.restype = ctypes.c_int
        _lib = lib
        return lib


def available():
    """True when libsodium loads."""
    try:
        _sodium()
        return True
    except SodiumUnavailable:
        return False


def proposal_digest(proposer, type_, capability, consensus_type_name, data):
    """BLAKE2b-256 (hex) of the proposal's content: [proposer, type, capability, consensus type
    name ("MAJORITY", ...), data] in canonical msgpack."""
    content = encode_canonical([proposer, type_, capability, consensus_type_name, data])
    return hashlib.blake2b(content, digest_size=32).hexdigest()


def vote_subject(proposal, agent_id):
    """What agent_id's vote on `proposal` (a dict with proposal_id, cluster_id, proposer, type,
    capability, consensus_type (a name or an enum) and data, as the vote handler was shown it)
    is about: (cluster_id, proposal_id, content digest, agent_id). The digest is computed here,
    never taken from the proposal's own content_digest field."""
    kind = proposal.get("consensus_type", "")
    kind = getattr(kind, "name", kind)
    digest = proposal_digest(proposal.get("proposer", ""), proposal.get("type", ""), proposal.get("capability", ""),
                             kind, proposal.get("data"))
    return (proposal.get("cluster_id", ""), proposal["proposal_id"], digest, agent_id)


def vote_signing_bytes(subject, yes):
    """The exact bytes a vote signs; subject is (cluster_id, proposal_id, content_digest, agent_id).
    No part may contain 0x00 (ValueError)."""
    parts = [x.encode("utf-8", "surrogateescape") for x in subject]
    if len(parts) != 4 or any(b"\x00" in x for x in parts):
        raise ValueError("a vote subject is 4 strings (cluster, proposal, digest, agent) without 0x00")
    return SIGN_PREFIX + b"".join(b"\x00" + x for x in parts) + b"\x00" + (b"yes" if yes else b"no")


_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _from_hex(text):
    """bytes, or None for odd length or a non-hex digit (as C++ from_hex returns empty)."""
    if not isinstance(text, str) or len(text) % 2 != 0 or any(c not in _HEX_DIGITS for c in text):
        return None
    return bytes.fromhex(text)


class VoteKeys:
    """An Ed25519 key pair: public_key (32 bytes) and secret_key (64 bytes, libsodium's form)."""

    __slots__ = ("public_key", "secret_key")

    def __init__(self, public_key, secret_key):
        self.public_key = public_key
        self.secret_key = secret_key

    @classmethod
    def generate(cls):
        lib = _sodium()
        pk, sk = ctypes.create_string_buffer(PUBLIC_KEY_BYTES), ctypes.create_string_buffer(SECRET_KEY_BYTES)
        lib.crypto_sign_keypair(pk, sk)
        return cls(pk.raw, sk.raw)

    @classmethod
    def from_seed(cls, seed):
        """The same key pair from a 32-byte seed (as C++ VoteKeys::from_seed)."""
        if len(seed) != SEED_BYTES:
            raise ValueError("an Ed25519 seed is 32 bytes")
        lib = _sodium()
        pk, sk = ctypes.create_string_buffer(PUBLIC_KEY_BYTES), ctypes.create_string_buffer(SECRET_KEY_BYTES)
        lib.crypto_sign_seed_keypair(pk, sk, bytes(seed))
        return cls(pk.raw, sk.raw)

    @classmethod
    def from_hex(cls, text):
        """From 64 hex digits (a seed) or 128 (a libsodium secret key: its first half is the seed),
        as orion-example-agent --secret-key and orionctl vote --secret-key take it."""
        raw = _from_hex(text.strip()) if isinstance(text, str) else None
        if raw is None or len(raw) not in (SEED_BYTES, SECRET_KEY_BYTES):
            raise ValueError("a secret key is 64 hex digits (seed) or 128 (secret key)")
        return cls.from_seed(raw[:SEED_BYTES])

    @property
    def public_key_hex(self):
        return self.public_key.hex()


def sign_vote(secret_key, subject, yes):
    """A detached Ed25519 signature over vote_signing_bytes(subject, yes), 128 lower-case hex digits."""
    if len(secret_key) != SECRET_KEY_BYTES:
        raise ValueError("an Ed25519 secret key is 64 bytes")
    message = vote_signing_bytes(subject, yes)
    sig = ctypes.create_string_buffer(SIGNATURE_BYTES)
    _sodium().crypto_sign_detached(sig, None, message, len(message), bytes(secret_key))
    return sig.raw.hex()


def verify_vote(public_key_hex, subject, yes, signature_hex):
    """True only when signature_hex is a valid signature by public_key_hex over that vote.
    Malformed hex of either is simply False."""
    pk, sig = _from_hex(public_key_hex), _from_hex(signature_hex)
    if pk is None or sig is None or len(pk) != PUBLIC_KEY_BYTES or len(sig) != SIGNATURE_BYTES:
        return False
    try:
        message = vote_signing_bytes(subject, yes)
    except ValueError:
        return False
    return _sodium().crypto_sign_verify_detached(sig, message, len(message), pk) == 0


def read_vote_key(path):
    """The VoteKeys of a vote key file (orionctl keygen --vote FILE: `public` and `secret`, the seed,
    as 64 hex digits each; mode 0600). OrionError INVALID_ARGUMENT naming the file."""
    check_secret_mode(path)
    lines = read_key_file(path, lambda v: _from_hex(v) is not None and len(v) == 64, "64 hex digits")
    if "secret" not in lines:
        raise bad_key_file(path, "no secret key (a public key file is not a vote key)")
    keys = VoteKeys.from_seed(bytes.fromhex(lines["secret"]))
    if "public" in lines and bytes.fromhex(lines["public"]) != keys.public_key:
        raise bad_key_file(path, "its public key is not the public key of its secret key")
    return keys


__all__ = ["VoteKeys", "read_vote_key", "sign_vote", "verify_vote", "vote_signing_bytes", "vote_subject", "proposal_digest",
           "SodiumUnavailable", "available"]
