#!/usr/bin/python3
"""The Python twin of orion-example-agent: an agent running the example task types.

    /usr/bin/python3 sdk/python/examples/agent.py --id py1 --cap echo --cap sleep --capacity 4 \\
        --registry tcp://127.0.0.1:7100

    echo   output = input
    merge  output = {"input": input, "from": {dependency task id: its output, ...}}
    sleep  input {"ms": N}: sleeps N ms in slices of <= 50 ms, reporting progress; output
           {"slept_ms": N}; fails with "cancelled" as soon as it sees the cancel token
    fail   fails with input["message"] (default "failed on purpose")
    flaky  fails attempts 1..input["failures"] with "flaky failure <attempt>", then echoes

It also votes on the proposals that name it (--vote yes|no, default yes; a proposal's data
{"votes": {"<agent id>": "yes"|"no"}} overrides it), with the Ed25519 key --secret-key (64 or
128 hex digits; default: a new one, its public key logged).

Every flag has an environment default: ORION_AGENT_ID, ORION_CAPS (comma-separated),
ORION_CAPACITY, ORION_WEIGHT, ORION_REGISTRY, ORION_VOTE, ORION_SECRET_KEY, ORION_LOG_LEVEL. SIGTERM drains it (no new work,
running tasks finish, then it leaves; a second SIGTERM stops); SIGINT stops it at once.
Runs from a checkout as is: it finds orion_sdk next to this directory.
"""

import argparse
import logging
import os
import signal
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from orion_sdk import Agent, OrionError, use_curve  # noqa: E402 - after the path set-up
from orion_sdk import log  # noqa: E402
from orion_sdk.vote_signature import read_vote_key  # noqa: E402

SLEEP_SLICE_MS = 50  # how often `sleep` looks at its cancel token


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def echo_handler(ctx):
    return ctx.input


def merge_handler(ctx):
    return {"input": ctx.input, "from": dict(ctx.deps)}


def sleep_handler(ctx):
    data = ctx.input
    if not isinstance(data, dict) or not _is_int(data.get("ms")) or not 0 <= data["ms"] <= 2**63 - 1:
        raise ValueError("input.ms must be a non-negative integer")
    total_ms = data["ms"]
    reported = -1  # last whole percent sent, so progress is not repeated
    slept_ms = 0
    while slept_ms < total_ms:
        if ctx.cancelled():
            raise RuntimeError("cancelled")
        slice_ms = min(SLEEP_SLICE_MS, total_ms - slept_ms)
        if ctx.cancel_token.wait(slice_ms / 1000.0):
            raise RuntimeError("cancelled")
        slept_ms += slice_ms
        percent = slept_ms * 100 // total_ms
        if percent != reported:
            ctx.progress(percent, "slept %d of %d ms" % (slept_ms, total_ms))
            reported = percent
    return {"slept_ms": total_ms}


def fail_handler(ctx):
    data = ctx.input
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        raise RuntimeError(data["message"])
    raise RuntimeError("failed on purpose")


def flaky_handler(ctx):
    data = ctx.input
    failures = 0
    if isinstance(data, dict) and _is_int(data.get("failures")):
        failures = data["failures"]
    if ctx.attempt <= failures:
        raise RuntimeError("flaky failure %d" % ctx.attempt)
    return data


def add_example_handlers(agent):
    agent.handle("echo", echo_handler)
    agent.handle("merge", merge_handler)
    agent.handle("sleep", sleep_handler)
    agent.handle("fail", fail_handler)
    agent.handle("flaky", flaky_handler)


def example_vote_handler(agent_id, default_yes):
    """Answers default_yes, unless the proposal's data is {"votes": {agent_id: "yes"|"no"}}."""
    def decide(proposal):
        data = proposal.get("data")
        votes = data.get("votes") if isinstance(data, dict) else None
        if isinstance(votes, dict) and votes.get(agent_id) in ("yes", "no"):
            return votes[agent_id] == "yes"
        return default_yes
    return decide


def _env_int(name, default):
    value = os.environ.get(name, "")
    return value if value else default


def main(argv=None):
    parser = argparse.ArgumentParser(prog="agent.py", description="An Orion agent running the example task types")
    parser.add_argument("--id", default=os.environ.get("ORION_AGENT_ID") or "example-py-" + socket.gethostname(),
                        help="agent id, unique in the cluster")
    parser.add_argument("--cap", action="append", help="a capability (repeatable; default from ORION_CAPS)")
    parser.add_argument("--capacity", default=_env_int("ORION_CAPACITY", "1"), help="concurrent tasks")
    parser.add_argument("--weight", default=_env_int("ORION_WEIGHT", "1.0"), help="vote weight")
    parser.add_argument("--registry", default=os.environ.get("ORION_REGISTRY") or "tcp://127.0.0.1:7100",
                        help="registry endpoint")
    parser.add_argument("--vote", default=os.environ.get("ORION_VOTE") or "yes",
                        help="answer to every proposal naming this agent: yes or no")
    parser.add_argument("--secret-key", default=os.environ.get("ORION_SECRET_KEY") or None,
                        help="Ed25519 vote key in hex (default: a new one)")
    parser.add_argument("--vote-key", default=os.environ.get("ORION_VOTE_KEY") or None,
                        help="Ed25519 vote key file (orionctl keygen --vote FILE), instead of --secret-key")
    parser.add_argument("--log-format", default=os.environ.get("ORION_LOG_FORMAT") or "logfmt",
                        help="logfmt (key=value) or json (one object per line), as the services write")
    parser.add_argument("--log-level", default=os.environ.get("ORION_LOG_LEVEL") or "info",
                        help="debug, info, warning, error")
    parser.add_argument("--curve-key", default=os.environ.get("ORION_CURVE_KEY") or None,
                        help="CURVE key pair file, for a cluster with keys (orionctl keygen)")
    parser.add_argument("--curve-server-key", default=os.environ.get("ORION_CURVE_SERVER_KEY") or None,
                        help="public key file the services present")
    args = parser.parse_args(argv)

    try:
        log.configure(service="agent", level=args.log_level, fmt=args.log_format)
    except ValueError as e:
        parser.error(str(e))
    caps = args.cap if args.cap else [c for c in os.environ.get("ORION_CAPS", "").split(",") if c]
    try:
        capacity = int(args.capacity)
        weight = float(args.weight)
    except ValueError:
        print("agent.py: --capacity must be an integer and --weight a number", file=sys.stderr)
        return 2
    if args.vote not in ("yes", "no"):
        print("agent.py: --vote must be yes or no", file=sys.stderr)
        return 2
    if bool(args.curve_key) != bool(args.curve_server_key):
        print("agent.py: --curve-key and --curve-server-key go together", file=sys.stderr)
        return 2
    if args.curve_key:
        try:
            use_curve(args.curve_key, args.curve_server_key)
        except OrionError as e:
            print("agent.py: %s" % e, file=sys.stderr)
            return 2
    secret_key = args.secret_key
    if args.vote_key:
        try:
            secret_key = read_vote_key(args.vote_key).secret_key.hex()
        except OrionError as e:
            print("agent.py: --vote-key: %s" % e, file=sys.stderr)
            return 2
    logging.info("event=config agent=%s registry=%s capacity=%d weight=%s capabilities=%s vote=%s", args.id,
                 args.registry, capacity, weight, caps, args.vote)
    try:
        agent = Agent(args.id, capabilities=caps, registry=args.registry, capacity=capacity, weight=weight,
                      secret_key=secret_key)
        agent.on_vote(example_vote_handler(args.id, args.vote == "yes"))
    except (ValueError, RuntimeError) as e:  # bad options; RuntimeError: SodiumUnavailable
        print("agent.py: %s" % e, file=sys.stderr)
        return 2
    add_example_handlers(agent)
    signal.signal(signal.SIGINT, lambda *_: agent.stop())
    terms = [0]

    def on_sigterm(*_):
        terms[0] += 1
        if terms[0] == 1:
            agent.drain()
        else:
            agent.stop()

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        return agent.run()
    except Exception as e:  # a bad registry endpoint, for one
        logging.critical("event=agent_failed error=%s", e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
