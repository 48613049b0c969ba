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

import os
import stat

import zmq
from zmq.utils import z85

from .protocol import ErrorCode, OrionError

Z85_KEY_LENGTH = 40
MAX_KEY_FILE_BYTES = 4096


def is_z85_key(text):
    if not isinstance(text, str) or len(text) != Z85_KEY_LENGTH:
        return False
    try:
        return len(z85.decode(text.encode("ascii"))) == 32
    except (ValueError, KeyError, UnicodeEncodeError, IndexError):
        return False


def _bad(path, why):
    return OrionError(ErrorCode.INVALID_ARGUMENT, "key file %s: %s" % (path, why))


def _read_lines(path):
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as e:
        raise _bad(path, "cannot be read: %s" % e.strerror)
    if len(raw) > MAX_KEY_FILE_BYTES:
        raise _bad(path, "longer than a key file can be")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise _bad(path, "not text")
    out = {}
    for n, line in enumerate(text.split("\n"), start=1):
        line = line.strip(" \t\r")
        if not line or line.startswith("#"):
            continue
        where = "line %d" % n
        if "=" not in line:
            raise _bad(path, where + " is not 'name = value'")
        name, value = (part.strip(" \t\r") for part in line.split("=", 1))
        if name not in ("public", "secret"):
            raise _bad(path, "%s: unknown name '%s'" % (where, name))
        if not is_z85_key(value):
            raise _bad(path, "%s: the %s key is not 40 characters of Z85" % (where, name))
        if name in out:
            raise _bad(path, "%s: a second %s key" % (where, name))
        out[name] = value
    return out


def public_key_of(secret_key):
    return zmq.curve_public(secret_key.encode("ascii")).decode("ascii")


def read_key_pair(path):
    """(public, secret) from a key pair file; OrionError INVALID_ARGUMENT naming the file."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        raise _bad(path, e.strerror)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise _bad(path, "group or others may read it: a secret key must be mode 0600 (chmod 600 %s)" % path)
    lines = _read_lines(path)
    if "secret" not in lines:
        raise _bad(path, "no secret key (a public key file is not a key pair)")
    public = public_key_of(lines["secret"])
    if "public" in lines and lines["public"] != public:
        raise _bad(path, "its public key is not the public key of its secret key")
    return public, lines["secret"]


def read_public_key(path):
    """The public key of a public key file or of a key pair file."""
    lines = _read_lines(path)
    if "public" in lines:
        return lines["public"]
    if "secret" in lines:
        return public_key_of(lines["secret"])
    raise _bad(path, "no public key in it")


def secure_client(socket, pair, server_public_key):
    """CURVE on a socket that connects: it proves `pair` and admits only that server."""
    public, secret = pair
    socket.curve_serverkey = server_public_key.encode("ascii")
    socket.curve_publickey = public.encode("ascii")
    socket.curve_secretkey = secret.encode("ascii")
