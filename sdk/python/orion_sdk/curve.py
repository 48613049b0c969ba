"""CURVE keys (CurveZMQ, RFC 26) as Orion keeps them, read exactly as the C++ side reads them
(common/curve_keys.h): Z85 text, 40 characters a key, in small text files.

    pair = read_key_pair("agent.key")          # (public, secret), Z85 str; OrionError when bad
    server = read_public_key("services.key.pub")
    secure_client(socket, pair, server)        # before connect

A key pair file (secret: mode 0600, refused when group or others may read it):
    # Orion CURVE key pair: keep this file secret (mode 0600)
    public = <40 characters of Z85>
    secret = <40 characters of Z85>
A public key file has the `public` line only. Blank lines and lines starting with # are
comments; nothing else is allowed. `orionctl keygen FILE` writes both.
"""

import zmq
from zmq.utils import z85

from .key_file import bad_key_file, check_secret_mode, read_key_file

Z85_KEY_LENGTH = 40


def is_z85_key(text):
    if not isinstance(text, str) or len(text) != Z85_KEY_LENGTH:
        return False
    try:
        return len(z85.decode(text.encode("ascii"))) == 32
    except (ValueError, KeyError, UnicodeEncodeError, IndexError):
        return False


def _read_lines(path):
    return read_key_file(path, is_z85_key, "40 characters of Z85")


def public_key_of(secret_key):
    return zmq.curve_public(secret_key.encode("ascii")).decode("ascii")


def read_key_pair(path):
    """(public, secret) from a key pair file; OrionError INVALID_ARGUMENT naming the file."""
    check_secret_mode(path)
    lines = _read_lines(path)
    if "secret" not in lines:
        raise bad_key_file(path, "no secret key (a public key file is not a key pair)")
    public = public_key_of(lines["secret"])
    if "public" in lines and lines["public"] != public:
        raise bad_key_file(path, "its public key is not the public key of its secret key")
    return public, lines["secret"]


def read_public_key(path):
    """The public key of a public key file or of a key pair file."""
    lines = _read_lines(path)
    if "public" in lines:
        return lines["public"]
    if "secret" in lines:
        return public_key_of(lines["secret"])
    raise bad_key_file(path, "no public key in it")


def secure_client(socket, pair, server_public_key):
    """CURVE on a socket that connects: it proves `pair` and admits only that server."""
    public, secret = pair
    socket.curve_serverkey = server_public_key.encode("ascii")
    socket.curve_publickey = public.encode("ascii")
    socket.curve_secretkey = secret.encode("ascii")
