#!/usr/bin/env python3
"""Loads the dashboard in headless Chromium and checks its DOM through the DevTools protocol.

    dashboard_page.py --url http://127.0.0.1:PORT/ --chromium /usr/bin/chromium \
        --screenshots build/screenshots --task t1 --task t2 --workflow w1 --agent a1 \
        --cancel-task t2 --orionctl build/bin/orionctl --registry tcp://127.0.0.1:PORT

Checks, each with a deadline: every --task has a row, every --agent a row, every --workflow
its DAG with all its steps drawn; then it cancels --cancel-task with orionctl (not through the
page) and waits for that task's row to say CANCELLED while the page stays loaded (the same
document: a marker set on window before the change is still there after). Writes
dashboard-loaded.png and dashboard-after-cancel.png to --screenshots. With --namespace-task TASK:NS
it picks NS in the namespace selector and waits for TASK to be the only row, then picks "all"
again (dashboard-namespace.png). With --ui-cancel-task it
then cancels that task with the page's own button (an operator's action) and waits for it to
say CANCELLED (dashboard-after-action.png). Exits 0 when every
check held, 1 otherwise (saying which), always stopping the browser it started.
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # python3-websocket


class Page:
    """One page target over the DevTools protocol (JSON messages on a WebSocket)."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=10, suppress_origin=True)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def eval(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails']}")
        return r.get("result", {}).get("value")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        print(f"dashboard_page: screenshot {path}")


def wait_for(what, check, timeout_s):
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return True
        except Exception as e:  # the page may be between renders
            last = e
        time.sleep(0.1)
    print(f"dashboard_page: FAILED: {what} (last: {last!r})")
    return False


def start_browser(chromium, profile):
    args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
            "--disable-background-networking", "--remote-debugging-port=0", "--remote-allow-origins=*",
            f"--user-data-dir={profile}", "--window-size=1400,1600", "about:blank"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(os.path.join(profile, "chromium.log"), "w"))
    port_file = os.path.join(profile, "DevToolsActivePort")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chromium exited with {proc.returncode}")
        if os.path.exists(port_file):
            lines = open(port_file).read().split("\n")
            if lines and lines[0].strip().isdigit():
                return proc, int(lines[0])
        time.sleep(0.05)
    raise RuntimeError("chromium did not open its DevTools port within 20 s")


def page_target(port):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
            for t in json.load(r):
                if t.get("type") == "page" and t.get("webSocketDebuggerUrl"):
                    return t["webSocketDebuggerUrl"]
        time.sleep(0.05)
    raise RuntimeError("chromium shows no page target")


def js_str(s):
    return json.dumps(s)


def run(args):
    os.makedirs(args.screenshots, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="orion-chromium-")
    proc = None
    ok = True
    try:
        proc, port = start_browser(args.chromium, profile)
        page = Page(page_target(port))
        page.call("Page.enable")
        page.call("Runtime.enable")
        page.call("Page.navigate", url=args.url)
        ok &= wait_for("the page says it is live",
                       lambda: page.eval("document.getElementById('live') && document.getElementById('live').textContent") == "live", 20)
        for t in args.task:
            ok &= wait_for(f"task {t} has a row",
                           lambda: page.eval(f"!!document.querySelector('#tasks tr[data-task-id=\"{t}\"]')"), 20)
        for a in args.agent:
            ok &= wait_for(f"agent {a} has a row",
                           lambda: page.eval(f"!!document.querySelector('#agents tr[data-agent-id=\"{a}\"]')"), 20)
        for w in args.workflow:
            ok &= wait_for(f"workflow {w} is drawn with its steps",
                           lambda: page.eval(f"document.querySelectorAll('[data-workflow-id=\"{w}\"] svg g.node').length") >= args.steps, 20)
            ok &= wait_for(f"workflow {w}'s steps show COMPLETED",
                           lambda: page.eval(f"[...document.querySelectorAll('[data-workflow-id=\"{w}\"] svg g.node')].every(g => g.dataset.state === 'COMPLETED')"), 20)
        if args.namespace_task:
            # The namespace selector filters the task views: only NS's task, then every task again.
            t, ns = args.namespace_task.split(":", 1)
            row = lambda tid: f"!!document.querySelector('#tasks tr[data-task-id=\"{tid}\"]')"
            ok &= wait_for(f"the namespace selector offers {ns}", lambda: page.eval(
                f"[...document.getElementById('filter-namespace').options].some(o => o.value === {js_str(ns)})"), 20)
            pick = ("(v => {{ const s = document.getElementById('filter-namespace'); s.value = v; "
                    "s.dispatchEvent(new Event('input')); return true; }})({})")
            page.eval(pick.format(js_str(ns)))
            ok &= wait_for(f"only {ns}'s task {t} is listed", lambda: page.eval(row(t)) and page.eval(
                "[...document.querySelectorAll('#tasks tr.task-row')].length") == 1, 10)
            page.screenshot(os.path.join(args.screenshots, "dashboard-namespace.png"))
            page.eval(pick.format(js_str("")))
            others = [x for x in args.task if x != t]
            ok &= wait_for("every task is listed again", lambda: all(page.eval(row(x)) for x in others), 10)
        ok &= wait_for("the event stream lists events",
                       lambda: page.eval("document.querySelectorAll('#events li').length") > 0, 10)
        page.screenshot(os.path.join(args.screenshots, "dashboard-loaded.png"))
        if args.cancel_task:
            t = args.cancel_task
            state_js = f"(document.querySelector('#tasks tr[data-task-id=\"{t}\"] td.state') || {{}}).textContent"
            ok &= wait_for(f"task {t} shows PENDING before the change", lambda: page.eval(state_js) == "PENDING", 10)
            page.eval("window.__orionNoReload = 'same-document'; true")
            r = subprocess.run([args.orionctl, "cancel", t, "--registry", args.registry, "--reason", "browser test"],
                               capture_output=True, text=True, timeout=30)
            if r.returncode != 0:
                print(f"dashboard_page: FAILED: orionctl cancel {t}: {r.stdout} {r.stderr}")
                ok = False
            ok &= wait_for(f"task {t} shows CANCELLED without a reload", lambda: page.eval(state_js) == "CANCELLED", 15)
            ok &= wait_for("the page was not reloaded",
                           lambda: page.eval("window.__orionNoReload") == "same-document", 2)
            ok &= wait_for(f"the event stream shows {t} cancelled",
                           lambda: page.eval(f"[...document.querySelectorAll('#events li')].some(li => li.dataset.topic === 'task.cancelled' && li.textContent.includes({js_str(t)}))"), 10)
            # The task's detail: its history, opened by a click on its row.
            page.eval(f"document.querySelector('#tasks tr[data-task-id=\"{t}\"]').click(); true")
            ok &= wait_for(f"task {t}'s history is shown", lambda: page.eval(
                "document.querySelectorAll('#task-history tr').length") >= 3, 10)
            page.screenshot(os.path.join(args.screenshots, "dashboard-after-cancel.png"))
        if args.ui_cancel_task:
            # An operator's action from the page: open the task, press its cancel button.
            t = args.ui_cancel_task
            state_js = f"(document.querySelector('#tasks tr[data-task-id=\"{t}\"] td.state') || {{}}).textContent"
            ok &= wait_for(f"task {t} shows PENDING", lambda: page.eval(state_js) == "PENDING", 10)
            page.eval(f"document.querySelector('#tasks tr[data-task-id=\"{t}\"]').click(); true")
            ok &= wait_for(f"task {t}'s detail offers a cancel button",
                           lambda: page.eval("[...document.querySelectorAll('#task-detail button')].some(b => b.textContent === 'cancel task')"), 10)
            page.eval("[...document.querySelectorAll('#task-detail button')].find(b => b.textContent === 'cancel task').click(); true")
            ok &= wait_for(f"task {t} shows CANCELLED after the page's cancel", lambda: page.eval(state_js) == "CANCELLED", 15)
            ok &= wait_for("the page says the action was done",
                           lambda: (page.eval("document.getElementById('toast').textContent") or "").endswith("done"), 10)
            page.screenshot(os.path.join(args.screenshots, "dashboard-after-action.png"))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
    print("dashboard_page: " + ("OK" if ok else "FAILED"))
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True)
    p.add_argument("--chromium", default="/usr/bin/chromium")
    p.add_argument("--screenshots", required=True)
    p.add_argument("--task", action="append", default=[])
    p.add_argument("--agent", action="append", default=[])
    p.add_argument("--workflow", action="append", default=[])
    p.add_argument("--steps", type=int, default=1, help="steps each --workflow has")
    p.add_argument("--cancel-task", default="")
    p.add_argument("--ui-cancel-task", default="", help="a PENDING task to cancel with the page's own button")
    p.add_argument("--namespace-task", default="", help="TASK:NS, a task in namespace NS (the others are not)")
    p.add_argument("--orionctl", default="")
    p.add_argument("--registry", default="")
    return run(p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
