#!/usr/bin/env python3
"""Orion as a user gets it: installed, packaged, or taken into another project's build.

  prefix  `cmake --install` into a scratch prefix; an outside agent (agent/) built with
          find_package(Orion) and with `pkg-config --cflags --libs orion`, every public header
          compiled alone; both agents run against the prefix's registry and scheduler, and a task
          submitted with the prefix's orionctl completes on each with the agent's result.
  subdir  the same agent in a project that takes the source tree with add_subdirectory (tests
          and install rules off by default there, Orion's warnings kept off the agent), run
          against the build's own stack. Orion builds in BUILD-install-subdir, kept between runs.
  deb     `cpack -G DEB`: three packages whose control files name their Depends, unpacked with
          dpkg-deb -x into a scratch root; the unpacked registry, scheduler and orionctl serve a
          task to the unpacked example agent, one to the unpacked Python SDK and one to the agent
          built with the unpacked orion-dev's orion.pc.

Usage (ctest runs it): install_test.py MODE --source-dir SRC --build-dir BUILD --work DIR
Every process it starts is stopped before it exits, also on failure. The work directory is
emptied at the start and removed after a pass.
"""

import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class Failure(Exception):
    pass


def run(cmd, timeout=600, **kw):
    print("+ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout, **kw)
    if r.returncode != 0:
        raise Failure("%s exited with %d:\n%s" % (cmd[0], r.returncode, r.stdout[-6000:]))
    return r.stdout


def wait_until(what, cond, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.05)
    raise Failure("timed out after %ss waiting for %s" % (timeout_s, what))


class Stack:
    """A registry and a scheduler on free loopback ports, and agents; stop() ends each process it
    started, newest first (SIGTERM, then SIGKILL after 10 s)."""

    def __init__(self, bin_dir, work, env=None):
        self.bin_dir, self.work, self.env = bin_dir, work, env
        self.procs = []  # (name, Popen, log path)
        os.makedirs(work, exist_ok=True)

    def start(self, name, cmd, env=None):
        log = os.path.join(self.work, name + ".log")
        with open(log, "w") as out:
            p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 env=env or self.env, cwd=self.work)
        self.procs.append((name, p, log))
        return p

    def _service(self, name, args):
        ready = os.path.join(self.work, name + ".ready")
        p = self.start(name, [os.path.join(self.bin_dir, "orion-" + name)] + args +
                       ["--data-dir", os.path.join(self.work, name), "--ready-file", ready,
                        "--metrics-bind", "127.0.0.1:0", "--heartbeat-ms", "200"])

        def ready_json():
            if p.poll() is not None:
                raise Failure("orion-%s exited with %s:\n%s" % (name, p.returncode, self.log_tail(name)))
            try:
                with open(ready) as f:
                    return json.load(f)
            except (OSError, ValueError):
                return None
        return wait_until("orion-%s's ready file" % name, ready_json, 15)

    def start_services(self):
        r = self._service("registry", ["--bind", "tcp://127.0.0.1:0", "--bind-events-pub", "tcp://127.0.0.1:0",
                                       "--bind-events-sub", "tcp://127.0.0.1:0"])
        self.registry = r["registry"]
        self._service("scheduler", ["--registry", self.registry, "--bind-client", "tcp://127.0.0.1:0",
                                    "--bind-agent", "tcp://127.0.0.1:0"])

    def orionctl(self, *args, timeout=60):
        return run([os.path.join(self.bin_dir, "orionctl")] + list(args) + ["--registry", self.registry],
                   timeout=timeout, env=self.env)

    def submit(self, cap, task_type, task_input):
        # The scheduler's ready file comes before the registry has heard of it: a submit may be
        # refused for a moment ("the registry knows no scheduler yet").
        def attempt():
            try:
                out = self.orionctl("submit", "--type", task_type, "--cap", cap, "--input", json.dumps(task_input),
                                    "--call-timeout", "2")
            except Failure as e:
                if "no scheduler" not in str(e):
                    raise
                return None
            return out.strip().splitlines()[-1].strip()
        return wait_until("a submit accepted", attempt, 20)

    def result(self, task_id):
        self.orionctl("wait", task_id, "--timeout", "30")
        status = json.loads(self.orionctl("status", task_id, "--json"))
        state = status.get("state", status.get("status"))
        if state != "COMPLETED":
            raise Failure("task %s ended %s: %s\n%s" % (task_id, state, status, self.all_logs()))
        return status.get("output", status.get("result"))

    def log_tail(self, name, n=3000):
        for pname, _, log in self.procs:
            if pname == name:
                with open(log, errors="replace") as f:
                    return f.read()[-n:]
        return ""

    def all_logs(self):
        return "\n".join("---- %s ----\n%s" % (name, self.log_tail(name, 1500)) for name, _, _ in self.procs)

    def stop(self):
        for name, p, _ in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs = []


def check_greetings(stack, agents, source):
    """agents: [(capability, command)]; each agent gets a greet task of its own capability."""
    for cap, cmd in agents:
        stack.start(cap, cmd + [cap + "-1", stack.registry, cap])
    for cap, _ in agents:
        task_id = stack.submit(cap, "greet", {"name": cap})
        output = stack.result(task_id)
        if output != {"greeting": "hello " + cap}:
            raise Failure("%s's agent (%s) answered %r" % (cap, source, output))
        print("%s: %s completed with %s" % (cap, task_id, json.dumps(output)), flush=True)


def pkg_config_build(work, prefix_lib, out):
    """The agent built with orion.pc's flags alone, and every public header compiled on its own."""
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix_lib, "pkgconfig"))
    env.pop("PKG_CONFIG_LIBDIR", None)
    flags = run(["pkg-config", "--cflags", "--libs", "orion"], env=env).split()
    print("pkg-config --cflags --libs orion: " + " ".join(flags), flush=True)
    include_dir = os.path.normpath(os.path.join(prefix_lib, "..", "include", "orion"))
    headers = sorted(os.path.basename(h) for h in glob.glob(os.path.join(include_dir, "*.h")))
    for h in ("agent.h", "client.h"):
        if h not in headers:
            raise Failure("no %s in %s" % (h, include_dir))
    for h in headers:
        src = os.path.join(work, "header_" + h.replace(".h", ".cpp"))
        with open(src, "w") as f:
            f.write("#include <orion/%s>\n" % h)
        run(["g++", "-std=c++17", "-fsyntax-only", src] + [x for x in flags if x.startswith(("-I", "-D"))], env=env)
    run(["g++", "-std=c++17", "-O1", os.path.join(HERE, "agent", "install_agent.cpp"), "-o", out] + flags, env=env)
    return out


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def mode_prefix(args, stack_dir):
    prefix = fresh(os.path.join(args.work, "prefix"))
    run(["cmake", "--install", args.build_dir, "--prefix", prefix])
    lib = os.path.join(prefix, "lib")
    for f in ("cmake/Orion/OrionConfig.cmake", "pkgconfig/orion.pc", "liborion_sdk.a"):
        if not os.path.exists(os.path.join(lib, f)):
            raise Failure("not installed: lib/" + f)

    build = fresh(os.path.join(args.work, "agent-cmake"))
    run(["cmake", "-S", os.path.join(HERE, "agent"), "-B", build, "-DCMAKE_PREFIX_PATH=" + prefix,
         "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF", "-DCMAKE_BUILD_TYPE=Release"])
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        found = [line for line in f if line.startswith("Orion_DIR:")]
    if not found or not found[0].strip().endswith(os.path.join(prefix, "lib", "cmake", "Orion")):
        raise Failure("find_package(Orion) did not find the scratch prefix: %s" % found)
    run(["cmake", "--build", build, "-j2"])
    via_pc = pkg_config_build(fresh(os.path.join(args.work, "agent-pc")), lib, os.path.join(args.work, "agent-pc", "install_agent"))

    stack = Stack(os.path.join(prefix, "bin"), stack_dir)
    try:
        stack.start_services()
        check_greetings(stack, [("via-find-package", [os.path.join(build, "install_agent")]),
                                ("via-pkg-config", [via_pc])], "installed prefix")
    finally:
        stack.stop()


def mode_subdir(args, stack_dir):
    # Orion's half of the build goes beside the build directory (BUILD-install-subdir, kept between
    # runs) and with the build's own flags: its compile lines then read as the build's do, relative
    # to the checkout, and the compiler cache already holds them.
    outer = fresh(os.path.join(args.work, "outer"))
    orion = args.build_dir.rstrip("/") + "-install-subdir"
    # A run cut short (a timeout) can leave a truncated object that make would take as built: the
    # directory is kept only after a run that built everything in it.
    built = os.path.join(orion, "built-by-install-test")
    if not os.path.exists(built):
        shutil.rmtree(orion, ignore_errors=True)
    else:
        os.remove(built)
    env = dict(os.environ, CCACHE_NOHASHDIR="1")
    env.setdefault("CCACHE_BASEDIR", args.source_dir)
    run(["cmake", "-S", os.path.join(HERE, "subdir"), "-B", outer, "-G", args.generator,
         "-DORION_SOURCE_DIR=" + args.source_dir, "-DORION_BINARY_DIR=" + orion,
         "-DCMAKE_BUILD_TYPE=" + args.build_type, "-DORION_WERROR=" + args.werror], env=env)
    run(["cmake", "--build", outer, "--target", "install_agent", "-j2"], env=env, timeout=900)
    open(built, "w").close()
    # Orion's warning flags are its own: not on the agent's compile line.
    with open(os.path.join(outer, "compile_commands.json")) as f:
        line = [c["command"] for c in json.load(f) if c["file"].endswith("install_agent.cpp")][0]
    if "-Wshadow" in line or "orion/internal" in line or os.path.join(args.source_dir, "include") not in line:
        raise Failure("the agent's compile line: " + line)
    stack = Stack(os.path.join(args.build_dir, "bin"), stack_dir)
    try:
        stack.start_services()
        check_greetings(stack, [("via-add-subdirectory", [os.path.join(outer, "install_agent")])], "add_subdirectory")
    finally:
        stack.stop()


def deb_fields(deb):
    out = run(["dpkg-deb", "-f", deb, "Package", "Architecture", "Depends"])
    fields = {}
    for line in out.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def mode_deb(args, stack_dir):
    pkg = fresh(os.path.join(args.work, "packages"))
    # cpack first brings the tree up to date (its preinstall step), one job at a time and with the
    # compiler cache keyed as ctest's environment has it: on a tree left stale that takes many
    # minutes. The same, done here in parallel and keyed as scripts/build.sh keys it, is seconds on
    # a built tree and leaves cpack nothing to do.
    env = dict(os.environ, CCACHE_NOHASHDIR="1")
    env.setdefault("CCACHE_BASEDIR", args.source_dir)
    run(["cmake", "--build", args.build_dir, "-j2"], env=env, timeout=900)
    run(["cpack", "-G", "DEB", "--config", os.path.join(args.build_dir, "CPackConfig.cmake"), "-B", pkg], cwd=pkg)
    debs = sorted(glob.glob(os.path.join(pkg, "*.deb")))
    by_name = {deb_fields(d)["Package"]: d for d in debs}
    if sorted(by_name) != ["orion", "orion-dev", "python3-orion-sdk"]:
        raise Failure("packages made: %s" % sorted(by_name))
    must_depend = {"orion": ["libzmq5", "libsodium23", "libsqlite3-0", "libraft", "libuv1", "libspdlog", "libyaml-cpp"],
                   "orion-dev": ["libzmq3-dev", "libsodium-dev", "libspdlog-dev", "cppzmq-dev", "libmsgpack-cxx-dev"],
                   "python3-orion-sdk": ["python3-zmq", "python3-msgpack", "libsodium23"]}
    for name, deb in sorted(by_name.items()):
        fields = deb_fields(deb)
        print(run(["dpkg-deb", "-I", deb]), flush=True)
        missing = [d for d in must_depend[name] if d not in fields.get("Depends", "")]
        if missing:
            raise Failure("%s's Depends (%s) lacks %s" % (name, fields.get("Depends"), missing))
    root = fresh(os.path.join(args.work, "root"))
    for deb in debs:
        run(["dpkg-deb", "-x", deb, root])
    usr = os.path.join(root, "usr")

    # The Python SDK from the package, not from the source tree.
    py_env = dict(os.environ, PYTHONPATH=os.path.join(usr, "lib", "python3", "dist-packages"))
    where = run([sys.executable, "-c", "import orion_sdk; print(orion_sdk.__file__)"], env=py_env, cwd=root).strip()
    if not where.startswith(usr):
        raise Failure("orion_sdk imported from %s" % where)
    py_agent = os.path.join(root, "py_agent.py")
    with open(py_agent, "w") as f:
        f.write("import sys\n"
                "from orion_sdk import Agent\n"
                "agent = Agent(sys.argv[1], capabilities=[sys.argv[3]], registry=sys.argv[2])\n"
                "@agent.handler('greet')\n"
                "def greet(ctx):\n"
                "    return {'greeting': 'hello ' + ctx.input['name']}\n"
                "sys.exit(agent.run())\n")
    via_pc = pkg_config_build(fresh(os.path.join(args.work, "agent-pc")), os.path.join(usr, "lib"),
                              os.path.join(args.work, "agent-pc", "install_agent"))

    stack = Stack(os.path.join(usr, "bin"), stack_dir, env=py_env)
    try:
        stack.start_services()
        stack.start("deb-example-agent", [os.path.join(usr, "bin", "orion-example-agent"), "--registry", stack.registry,
                                          "--id", "deb-example", "--cap", "deb-example"])
        task_id = stack.submit("deb-example", "echo", {"from": "the orion package"})
        output = stack.result(task_id)
        if output != {"from": "the orion package"}:
            raise Failure("the packaged example agent answered %r" % (output,))
        print("deb-example: %s completed with %s" % (task_id, json.dumps(output)), flush=True)
        check_greetings(stack, [("deb-python", [sys.executable, py_agent]), ("deb-pkg-config", [via_pc])],
                        "unpacked packages")
    finally:
        stack.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["prefix", "subdir", "deb"])
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--generator", default="Unix Makefiles")  # subdir: the build's own settings
    ap.add_argument("--build-type", default="RelWithDebInfo")
    ap.add_argument("--werror", default="OFF")
    args = ap.parse_args()
    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)
    stack_dir = fresh(os.path.join(args.work, "stack"))
    started = time.monotonic()
    try:
        {"prefix": mode_prefix, "subdir": mode_subdir, "deb": mode_deb}[args.mode](args, stack_dir)
    except (Failure, subprocess.TimeoutExpired) as e:
        print("FAILED: %s" % e, flush=True)
        for log in sorted(glob.glob(os.path.join(stack_dir, "*.log"))):
            with open(log, errors="replace") as f:
                print("---- %s ----\n%s" % (os.path.basename(log), f.read()[-2000:]))
        return 1
    print("passed in %.1f s" % (time.monotonic() - started), flush=True)
    shutil.rmtree(args.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
