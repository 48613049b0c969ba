#!/usr/bin/python3
"""A minimal Orion client on the command line, written with orion_sdk.Client. Prints JSON.

    /usr/bin/python3 sdk/python/examples/client.py submit --type echo --cap text --input '{"a": 1}' --wait 30
    /usr/bin/python3 sdk/python/examples/client.py status t1
    /usr/bin/python3 sdk/python/examples/client.py wait t1 --timeout 30
    /usr/bin/python3 sdk/python/examples/client.py cancel t1 --reason "not needed"
    /usr/bin/python3 sdk/python/examples/client.py agents
    /usr/bin/python3 sdk/python/examples/client.py decide --type deploy --consensus majority --cap deploy \
        --data '{"v": 2}' --timeout 30 --wait 30          # {proposal_id} or, with --wait, the decision
    /usr/bin/python3 sdk/python/examples/client.py decision p1 [--wait 30]

--registry (default ORION_REGISTRY or tcp://127.0.0.1:7100). Exit code 0 on success (for
`wait` and `submit --wait`: only if the task COMPLETED; decisions print as `orionctl decision
--json` does and exit 0 whatever the outcome), 1 when the request failed (one line on
stderr) or the task did not complete, 2 for a usage error. Binary values print as {"$bytes": "<hex>"}.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from orion_sdk import Client, OrionError, TaskState  # noqa: E402 - after the path set-up
from orion_sdk.consensus_messages import decision_dict  # noqa: E402


def _printable(value):
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


def _print(value):
    print(json.dumps(_printable(value), ensure_ascii=False, sort_keys=True))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="client.py", description="A minimal Orion client")
    parser.add_argument("--registry", default=os.environ.get("ORION_REGISTRY") or "tcp://127.0.0.1:7100")
    parser.add_argument("--request-timeout-ms", type=int, default=3000)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("submit", help="submit one task; prints {task_id} (or the task, with --wait)")
    s.add_argument("--type", required=True)
    s.add_argument("--name", default="")
    s.add_argument("--cap", action="append", default=[])
    s.add_argument("--input", default="null", help="JSON")
    s.add_argument("--metadata", default="{}", help="JSON object")
    s.add_argument("--priority", default="normal", help="low, normal, high, critical, urgent or 1..5")
    s.add_argument("--timeout", type=float, default=0, help="seconds per attempt, 0 = none")
    s.add_argument("--retries", type=int, default=0)
    s.add_argument("--depends-on", action="append", default=[])
    s.add_argument("--idempotency-key", default="")
    s.add_argument("--wait", type=float, metavar="SECONDS", help="then wait this long for the task to end")
    for name in ("status", "wait", "cancel"):
        c = sub.add_parser(name)
        c.add_argument("task_id")
        if name == "wait":
            c.add_argument("--timeout", type=float, default=30, help="seconds")
        if name == "cancel":
            c.add_argument("--reason", default="")
    sub.add_parser("agents")
    d = sub.add_parser("decide", help="ask the agents to decide; prints {proposal_id} (or the decision, with --wait)")
    d.add_argument("--type", required=True)
    d.add_argument("--consensus", default="majority", help="majority, unanimous, weighted or pbft")
    d.add_argument("--data", default="{}", help="JSON handed to the voters")
    d.add_argument("--cap", default="", help="the capability whose live agents vote")
    d.add_argument("--voter", action="append", default=[], help="a voting agent (repeatable)")
    d.add_argument("--timeout", type=float, default=60, help="seconds until it expires")
    d.add_argument("--wait", type=float, metavar="SECONDS", help="then wait this long for the decision")
    c = sub.add_parser("decision")
    c.add_argument("proposal_id")
    c.add_argument("--wait", type=float, default=0, metavar="SECONDS", help="wait for the decision (0 = now)")
    args = parser.parse_args(argv)

    try:
        with Client(args.registry, request_timeout_ms=args.request_timeout_ms) as client:
            view = None
            if args.command == "submit":
                try:
                    task_input, metadata = json.loads(args.input), json.loads(args.metadata)
                except ValueError as e:
                    print("client.py: --input and --metadata must be JSON: %s" % e, file=sys.stderr)
                    return 2
                task_id = client.submit(args.type, task_input, name=args.name, capabilities=args.cap,
                                        priority=args.priority, timeout_ms=int(args.timeout * 1000),
                                        metadata=metadata, retries=args.retries, depends_on=args.depends_on,
                                        idempotency_key=args.idempotency_key)
                if args.wait is None:
                    _print({"task_id": task_id})
                    return 0
                view = client.wait(task_id, int(args.wait * 1000))
            elif args.command == "status":
                _print(client.status(args.task_id).to_dict())
                return 0
            elif args.command == "wait":
                view = client.wait(args.task_id, int(args.timeout * 1000))
            elif args.command == "cancel":
                _print(client.cancel(args.task_id, args.reason))
                return 0
            elif args.command == "decide":
                try:
                    data = json.loads(args.data)
                except ValueError as e:
                    print("client.py: --data must be JSON: %s" % e, file=sys.stderr)
                    return 2
                pid = client.make_distributed_decision(args.type, data, args.consensus, int(args.timeout * 1000),
                                                       capability=args.cap, voters=args.voter)
                if args.wait is None:
                    _print({"proposal_id": pid})
                else:
                    _print(decision_dict(client.wait_decision(pid, int(args.wait * 1000))))
                return 0
            elif args.command == "decision":
                pid = args.proposal_id
                view = client.wait_decision(pid, int(args.wait * 1000)) if args.wait > 0 else \
                    client.get_decision_status(pid)
                _print(decision_dict(view))
                return 0
            else:
                _print(client.agents())
                return 0
            _print(view.to_dict())
            return 0 if view.state == TaskState.COMPLETED else 1
    except OrionError as e:
        print("client.py: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
