"""Log lines in the services' format, for agents and clients written with this SDK.

    from orion_sdk import log
    log.configure(service="agent", level="info", fmt="logfmt")   # or fmt="json"
    logging.getLogger("orion.agent").info("event=task_failed task=%s error=%s", tid, log.logfmt_value(err))

logfmt: `2026-12-05T10:00:00.123 level=info svc=agent event=... key=value ...`, as orion-scheduler
writes; json: one object per line with ts, level, svc and each key=value pair as a string member
(words that are not pairs under "msg"), as the services' --log-format json writes.
"""

import json
import logging
import sys
import time

_LEVELS = {"trace": logging.DEBUG, "debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING,
           "warning": logging.WARNING, "error": logging.ERROR, "critical": logging.CRITICAL, "off": logging.CRITICAL + 10}
# The services' (spdlog's) names for the levels.
_NAMES = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warning", logging.ERROR: "error",
          logging.CRITICAL: "critical"}


def _bare(c):
    return c > " " and c not in '"=\\' and c != "\x7f"


def logfmt_value(value):
    """A logfmt value: as it is when it needs no quotes, else quoted and escaped."""
    value = str(value)
    if value and all(_bare(c) for c in value):
        return value
    out = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return '"' + out + '"'


def logfmt_pairs(message):
    """The key=value pairs of a logfmt message, in order, and the words that are not pairs."""
    pairs, rest, i, n = [], [], 0, len(message)
    while i < n:
        while i < n and message[i] == " ":
            i += 1
        if i >= n:
            break
        k = i
        while k < n and _bare(message[k]):
            k += 1
        if k > i and k < n and message[k] == "=":
            key, j, value = message[i:k], k + 1, []
            if j < n and message[j] == '"':
                j += 1
                while j < n and message[j] != '"':
                    if message[j] == "\\" and j + 1 < n:
                        j += 1
                        value.append({"n": "\n", "r": "\r", "t": "\t"}.get(message[j], message[j]))
                    else:
                        value.append(message[j])
                    j += 1
                j += 1
            else:
                while j < n and message[j] != " ":
                    value.append(message[j])
                    j += 1
            pairs.append((key, "".join(value)))
            i = j
        else:
            j = i
            while j < n and message[j] != " ":
                j += 1
            rest.append(message[i:j])
            i = j
    return pairs, " ".join(rest)


def _timestamp(record):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(record.created)) + ".%03d" % int(record.msecs)


class LogfmtFormatter(logging.Formatter):
    def __init__(self, service):
        super().__init__()
        self.service = service

    def format(self, record):
        line = "%s level=%s svc=%s %s" % (_timestamp(record), _NAMES.get(record.levelno, "info"), self.service,
                                         record.getMessage())
        if record.exc_info:
            line += " exception=" + logfmt_value(self.formatException(record.exc_info))
        return line


class JsonFormatter(logging.Formatter):
    def __init__(self, service):
        super().__init__()
        self.service = service

    def format(self, record):
        obj = {"ts": _timestamp(record), "level": _NAMES.get(record.levelno, "info"), "svc": self.service}
        pairs, rest = logfmt_pairs(record.getMessage())
        for k, v in pairs:
            obj[k] = v
        if rest:
            obj["msg"] = rest
        if record.exc_info:
            obj["exception"] = self.formatException(record.exc_info)
        return json.dumps(obj, ensure_ascii=False)


def configure(service="agent", level="info", fmt="logfmt", stream=None):
    """Sends every log line (the SDK's and the application's) to stderr in the services' format.
    Raises ValueError for an unknown level or format, naming it."""
    if level.lower() not in _LEVELS:
        raise ValueError("log level %r is not one of %s" % (level, ", ".join(_LEVELS)))
    if fmt not in ("logfmt", "json"):
        raise ValueError("log format %r is not logfmt or json" % fmt)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(service) if fmt == "json" else LogfmtFormatter(service))
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(_LEVELS[level.lower()])
    return handler
