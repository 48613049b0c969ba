#!/usr/bin/python3
"""Checks docker-compose.yml as far as a machine without a Docker engine can: the file as
docker-compose resolves it (`docker-compose config`), then what makes the stack work from the
host and inside its network:

- every endpoint a service binds (ORION_BIND*, tcp://0.0.0.0:PORT) is published on the host
  under the same port, and the service advertises ORION_PUBLIC_HOST's address, so an endpoint
  discovery hands out works from the host and from the containers;
- no host port is published twice;
- each healthcheck asks a port its own service binds;
- a service another one waits for (depends_on: service_healthy) has a healthcheck;
- ORION_REGISTRY names registries by service name and bound port;
- Raft peers (ID@IPv4:PORT) are the replicas' fixed addresses, their IDs the replicas' IDs;
- a service with a data directory keeps it on a volume.

Exit 0 when all hold; 1 with one line per fault otherwise.
"""
import re
import subprocess
import sys

import yaml  # docker-compose itself is written on PyYAML: where it runs, this imports


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "docker-compose.yml"
    out = subprocess.run(["docker-compose", "-f", path, "config"], check=True, capture_output=True, text=True).stdout
    services = yaml.safe_load(out)["services"]
    faults = []

    published = {}  # host port -> service
    binds = {}  # service -> ports it binds
    for name, svc in services.items():
        env = svc.get("environment") or {}
        ports = set()
        for key, value in env.items():
            if key.startswith("ORION_") and "BIND" in key and "METRICS" not in key and key != "ORION_HTTP_BIND":
                m = re.fullmatch(r"tcp://0\.0\.0\.0:(\d+)", str(value))
                if not m:
                    faults.append(f"{name}: {key}={value} is not tcp://0.0.0.0:PORT")
                    continue
                ports.add(int(m.group(1)))
        binds[name] = ports
        for p in svc.get("ports") or []:
            # "HOST:TARGET", "IP:HOST:TARGET/tcp", or the long form
            parts = [] if isinstance(p, dict) else str(p).split("/")[0].split(":")
            target = int(p["target"]) if isinstance(p, dict) else int(parts[-1])
            host = int(p["published"]) if isinstance(p, dict) else int(parts[-2])
            if host in published:
                faults.append(f"{name}: host port {host} is published by {published[host]} too")
            published[host] = name
            if target in ports and host != target:
                faults.append(f"{name}: port {target} is published as {host}: advertised endpoints name {target}")
        if ports and "ORION_ADVERTISE_HOST" in env:
            unpublished = sorted(p for p in ports if published.get(p) != name)
            if unpublished:
                faults.append(f"{name}: binds {unpublished} but does not publish them on the host")
            if env["ORION_ADVERTISE_HOST"] in services:
                faults.append(f"{name}: advertises the service name {env['ORION_ADVERTISE_HOST']}, "
                              "which the host cannot resolve")

    for name, svc in services.items():
        test = (svc.get("healthcheck") or {}).get("test") or []
        text = " ".join(test) if isinstance(test, list) else str(test)
        for port in re.findall(r"127\.0\.0\.1[:/](\d+)", text):
            if binds.get(name) and int(port) not in binds[name]:
                faults.append(f"{name}: its healthcheck asks port {port}, it binds {sorted(binds[name])}")
        for dep, cond in (svc.get("depends_on") or {}).items():
            if (cond or {}).get("condition") == "service_healthy" and "healthcheck" not in services.get(dep, {}):
                faults.append(f"{name}: waits for {dep} to be healthy, and {dep} has no healthcheck")

    for name, svc in services.items():
        env = svc.get("environment") or {}
        for entry in str(env.get("ORION_REGISTRY", "")).split(","):
            if not entry:
                continue
            m = re.fullmatch(r"tcp://([\w.-]+):(\d+)", entry.strip())
            if not m or m.group(1) not in services or int(m.group(2)) not in binds.get(m.group(1), set()):
                faults.append(f"{name}: ORION_REGISTRY entry {entry} is no registry's service name and bound port")
        for key in ("ORION_SCHEDULER_PEERS", "ORION_CONSENSUS_PEERS"):
            id_key = key.replace("PEERS", "ID")
            if key not in env:
                continue
            peers = {}
            for peer in str(env[key]).split(","):
                pid, addr = peer.split("@")
                peers[pid] = addr.split(":")[0]
            replicas = {str(s["environment"][id_key]): n for n, s in services.items()
                        if id_key in (s.get("environment") or {})}
            for pid, ip in peers.items():
                owner = replicas.get(pid)
                nets = (services.get(owner) or {}).get("networks") or {}
                addrs = {(n or {}).get("ipv4_address") for n in nets.values()} if isinstance(nets, dict) else set()
                if ip not in addrs:
                    faults.append(f"{name}: {key} names {pid}@{ip}, which is not replica {pid}'s fixed address")
        if "ORION_DATA_DIR" in env:
            mounts = [str(v.get("target") if isinstance(v, dict) else v.split(":")[1]) for v in svc.get("volumes") or []]
            if not any(str(env["ORION_DATA_DIR"]).startswith(m) for m in mounts):
                faults.append(f"{name}: ORION_DATA_DIR {env['ORION_DATA_DIR']} is on no volume")

    for f in faults:
        print("docker-compose.yml:", f)
    if not faults:
        print(f"docker-compose.yml: {len(services)} services, {len(published)} published ports: ok")
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
