"""ZeroMQ sockets set up as the C++ make_socket() does (common/sockets.*), and whole-message
send and receive of ORION/1 envelopes.

    ctx = zmq.Context()
    s = make_socket(ctx, zmq.DEALER)
    s.connect("tcp://127.0.0.1:7100")
    send_envelope(s, Envelope(MsgType.DISCOVER, b"r-1", {}))
    incoming = receive(s)          # None when nothing is waiting
    if incoming and incoming.error: ...   # an OrionError: the message did not decode
"""

import time

import zmq

from .protocol import MAX_FRAMES, OrionError, ErrorCode, decode_frames, encode_frames, request_id_of

SEND_HWM = 100_000
RECV_HWM = 100_000
MAX_MSG_BYTES = 16 << 20
LINGER_MS = 200
HEARTBEAT_IVL_MS = 2_000
HEARTBEAT_TIMEOUT_MS = 6_000


# This process's CURVE setting: (key pair, services' public key), or None for plain ZMTP. Every
# socket the SDK makes connects, so each takes CURVE as a client (common/transport_security.h).
_curve = None


def use_curve(key_file, server_key_file):
    """Makes every socket made from now on take CURVE: this process proves the key pair in
    `key_file` and talks only to services that prove the public key in `server_key_file` (both
    written by `orionctl keygen`). Raises OrionError (INVALID_ARGUMENT) for a bad file."""
    global _curve
    from .curve import read_key_pair, read_public_key

    _curve = (read_key_pair(key_file), read_public_key(server_key_file))


def use_curve_from_environment():
    """use_curve(ORION_CURVE_KEY, ORION_CURVE_SERVER_KEY) when both are set; nothing otherwise."""
    import os

    key, server = os.environ.get("ORION_CURVE_KEY", ""), os.environ.get("ORION_CURVE_SERVER_KEY", "")
    if key and server:
        use_curve(key, server)


def make_socket(ctx, socket_type, linger_ms=LINGER_MS):
    """A socket with the options every Orion socket has: bounded frames (ZMQ_MAXMSGSIZE),
    high-water marks, ZMTP heartbeats, a bounded linger; CURVE when use_curve() was called."""
    s = ctx.socket(socket_type)
    if _curve is not None:
        from .curve import secure_client

        secure_client(s, _curve[0], _curve[1])
    s.setsockopt(zmq.SNDHWM, SEND_HWM)
    s.setsockopt(zmq.RCVHWM, RECV_HWM)
    s.setsockopt(zmq.MAXMSGSIZE, MAX_MSG_BYTES)
    s.setsockopt(zmq.LINGER, linger_ms)
    s.setsockopt(zmq.HEARTBEAT_IVL, HEARTBEAT_IVL_MS)
    s.setsockopt(zmq.HEARTBEAT_TIMEOUT, HEARTBEAT_TIMEOUT_MS)
    s.setsockopt(zmq.HEARTBEAT_TTL, HEARTBEAT_TIMEOUT_MS)
    if socket_type == zmq.ROUTER:
        s.setsockopt(zmq.ROUTER_MANDATORY, 1)
    return s


def send_envelope(socket, envelope, identity=None):
    """Sends without blocking; False when it cannot be queued (the peer is unknown or its queue
    is full). Raises OrionError only for a body that cannot be encoded."""
    frames = encode_frames(envelope)
    if identity is not None:
        frames.insert(0, identity)
    try:
        socket.send_multipart(frames, flags=zmq.NOBLOCK, copy=False)
        return True
    except zmq.Again:
        return False
    except zmq.ZMQError:
        return False  # EHOSTUNREACH under ROUTER_MANDATORY: the peer is gone


class Incoming:
    """One received message: `envelope` (an Envelope) or `error` (an OrionError), `request_id`
    (bytes; set even when the message did not decode, if frame 2 was readable), on a ROUTER
    `identity` and on the event bus `topic`."""

    __slots__ = ("envelope", "error", "request_id", "identity", "topic")

    def __init__(self, envelope=None, error=None, request_id=b"", identity=b"", topic=b""):
        self.envelope = envelope
        self.error = error
        self.request_id = request_id
        self.identity = identity
        self.topic = topic


def receive(socket, routed=False, topic=False):
    """Receives one whole multipart message without blocking: None when none is waiting. At
    most MAX_FRAMES frames are kept; the rest are read and dropped and the message is MALFORMED.
    A message that does not decode still comes back, with `error` set. `routed`: the first frame
    is a ROUTER identity; `topic`: the first frame is an event topic (a SUB socket)."""
    try:
        first = socket.recv(zmq.NOBLOCK)
    except zmq.Again:
        return None
    frames = [first]
    extra = 0
    while socket.getsockopt(zmq.RCVMORE):
        part = socket.recv()  # the rest of a message arrives with its first frame: never blocks
        if len(frames) < MAX_FRAMES:
            frames.append(part)
        else:
            extra += 1
    identity = frames.pop(0) if routed else b""
    subject = bytes(frames.pop(0)) if topic and frames else b""
    rid = request_id_of(frames)
    if extra:
        return Incoming(error=OrionError(ErrorCode.MALFORMED, "too many frames", rid), request_id=rid,
                        identity=identity, topic=subject)
    try:
        env = decode_frames(frames)
    except OrionError as e:
        return Incoming(error=e, request_id=e.request_id, identity=identity, topic=subject)
    return Incoming(envelope=env, request_id=env.request_id, identity=identity, topic=subject)


def wait_reply(socket, request_id, timeout_ms):
    """Waits up to timeout_ms for the reply to `request_id` on a DEALER, dropping late answers to
    earlier tries: the reply Envelope, or None at the timeout. A reply that does not decode raises
    its OrionError."""
    def now():
        return int(time.monotonic() * 1000)
    deadline = now() + timeout_ms
    left = timeout_ms
    while left > 0:
        socket.poll(left, zmq.POLLIN)
        while True:
            incoming = receive(socket)
            if incoming is None:
                break
            if incoming.request_id != request_id:
                continue  # a late answer to an earlier try
            if incoming.error is not None:
                raise incoming.error
            return incoming.envelope
        left = deadline - now()
    return None
