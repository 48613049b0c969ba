"""Key files, as common/key_file.h reads them in C++: `name = value` lines (names `public` and
`secret`, each once), `#` comments, at most 4 KiB; a file holding a secret must be mode 0600.
Used for CURVE key pairs (curve.py) and vote keys (vote_signature.py)."""

import os
import stat

from .protocol import ErrorCode, OrionError

MAX_KEY_FILE_BYTES = 4096


def bad_key_file(path, why):
    return OrionError(ErrorCode.INVALID_ARGUMENT, "key file %s: %s" % (path, why))


def check_secret_mode(path):
    """OrionError INVALID_ARGUMENT when group or others may read the file."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        raise bad_key_file(path, e.strerror)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise bad_key_file(path, "group or others may read it: a secret key must be mode 0600 (chmod 600 %s)" % path)


def read_key_file(path, valid, what):
    """{name: value} of the file's lines; each value must pass valid() (else: it is not `what`)."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as e:
        raise bad_key_file(path, "cannot be read: %s" % e.strerror)
    if len(raw) > MAX_KEY_FILE_BYTES:
        raise bad_key_file(path, "longer than a key file can be")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise bad_key_file(path, "not text")
    out = {}
    for n, line in enumerate(text.split("\n"), start=1):
        line = line.strip(" \t\r")
        if not line or line.startswith("#"):
            continue
        where = "line %d" % n
        if "=" not in line:
            raise bad_key_file(path, where + " is not 'name = value'")
        name, value = (part.strip(" \t\r") for part in line.split("=", 1))
        if name not in ("public", "secret"):
            raise bad_key_file(path, "%s: unknown name '%s'" % (where, name))
        if not valid(value):
            raise bad_key_file(path, "%s: the %s key is not %s" % (where, name, what))
        if name in out:
            raise bad_key_file(path, "%s: a second %s key" % (where, name))
        out[name] = value
    return out
