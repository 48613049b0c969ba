"""Hosts as Linux network namespaces, for fault tests: one namespace per host, each joined by a
veth pair to a bridge inside a hub namespace. Nothing is created in, or changed on, the root
namespace: both ends of every veth are created inside the hub and the host namespaces, the
addresses (one /24 picked at random in 10.0.0.0/8) and routes exist only there, and deleting the
namespaces deletes every link.

    net = Net(["h1", "h2", "h3", "reg"])     # raises NetnsUnavailable when it cannot be made
    try:
        net.create()
        p = subprocess.Popen(net.exec_argv("h1", ["orion-scheduler", ...]))
        net.cut("h1"); ...; net.heal("h1")
    finally:
        net.destroy()

Needs root and iproute2. A cut sets the hub's end of the host's veth down: the host keeps its
own address (a client inside it still reaches its local processes), and every packet between it
and any other host is dropped until heal() sets the link up again (TCP connections survive it).
"""

import random
import subprocess

IP = "ip"
COMMAND_TIMEOUT_S = 10  # one ip(8) call; they take milliseconds


class NetnsUnavailable(Exception):
    """Network namespaces cannot be made here (not root, no ip(8), no kernel support)."""


def _ip(*args, check=True):
    """Runs ip(8) with `args`; raises RuntimeError (with its stderr) on failure when `check`."""
    try:
        r = subprocess.run([IP, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=COMMAND_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RuntimeError("ip %s: %s" % (" ".join(args), e)) from e
    if check and r.returncode != 0:
        raise RuntimeError("ip %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr.decode(errors="replace").strip()))
    return r


class Net:
    """Hosts `names` (short, unique) on one bridged /24. Namespace names carry a random suffix
    (orion-<host>-<suffix>) so concurrent runs never meet. create() is all or nothing as far as
    destroy() goes: destroy() removes whatever part of it exists, and may be called twice."""

    def __init__(self, hosts):
        self.suffix = "%06x" % random.getrandbits(24)
        self.hub = "orion-hub-" + self.suffix
        self.ns = {h: "orion-%s-%s" % (h, self.suffix) for h in hosts}
        subnet = "10.%d.%d" % (random.randint(100, 250), random.randint(1, 250))
        self.addr = {h: "%s.%d" % (subnet, 10 + i) for i, h in enumerate(hosts)}
        self.hub_dev = {h: "v%d" % i for i, h in enumerate(hosts)}  # the hub's end of each host's veth
        self._made = []  # namespaces made, in order

    def _add_ns(self, name):
        _ip("netns", "add", name)
        self._made.append(name)
        _ip("-n", name, "link", "set", "lo", "up")

    def probe(self):
        """Raises NetnsUnavailable unless a namespace can be added and deleted here."""
        name = "orion-probe-" + self.suffix
        try:
            _ip("netns", "add", name)
        except RuntimeError as e:
            raise NetnsUnavailable(str(e)) from e
        _ip("netns", "del", name, check=False)

    def create(self):
        self._add_ns(self.hub)
        _ip("-n", self.hub, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.hub, "link", "set", "br0", "up")
        for h, ns in self.ns.items():
            self._add_ns(ns)
            dev = self.hub_dev[h]
            # Both ends are born inside namespaces: the hub's end in the hub, its peer in the host.
            _ip("-n", self.hub, "link", "add", dev, "type", "veth", "peer", "name", "eth0", "netns", ns)
            _ip("-n", self.hub, "link", "set", dev, "master", "br0", "up")
            _ip("-n", ns, "addr", "add", self.addr[h] + "/24", "dev", "eth0")
            _ip("-n", ns, "link", "set", "eth0", "up")

    def exec_argv(self, host, argv):
        """argv run inside host's namespace (ip netns exec execs it: the PID is argv's own)."""
        return [IP, "netns", "exec", self.ns[host], *argv]

    def cut(self, host):
        _ip("-n", self.hub, "link", "set", self.hub_dev[host], "down")

    def heal(self, host):
        _ip("-n", self.hub, "link", "set", self.hub_dev[host], "up")

    def describe(self):
        """The links of every namespace, for a failure report."""
        out = []
        for ns in self._made:
            r = _ip("-n", ns, "-br", "addr", check=False)
            out.append("[%s]\n%s" % (ns, (r.stdout or r.stderr).decode(errors="replace").rstrip()))
        return "\n".join(out)

    def destroy(self):
        """Deletes the namespaces (hosts first, then the hub), and with them every veth and the
        bridge. The processes inside must have been stopped first."""
        if self.hub in self._made:
            for dev in self.hub_dev.values():  # each veth pair goes with its hub end
                _ip("-n", self.hub, "link", "del", dev, check=False)
        for ns in reversed(self._made):
            _ip("netns", "del", ns, check=False)
        self._made = []
