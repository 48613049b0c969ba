"""An agent's defaults, as a new user meets them: a minimal agent that configures nothing says on
stderr where it connects and that its registry does not answer, and Ctrl-C (SIGINT) or SIGTERM
ends it cleanly, exit 0 and no traceback. Each case runs the agent as a real process."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

SDK_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

# The minimal agent of the docs: nothing configured, no signal handlers of its own.
AGENT = """
import sys
sys.path.insert(0, %r)
from orion_sdk import Agent
agent = Agent("minimal", capabilities=["text"], registry=sys.argv[1])
agent.handle("echo", lambda ctx: ctx.input)
sys.exit(agent.run())
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MinimalAgentTest(unittest.TestCase):
    def start(self):
        registry = "tcp://127.0.0.1:%d" % free_port()  # nothing listens there
        p = subprocess.Popen([sys.executable, "-c", AGENT % SDK_DIR, registry], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        self.lines = []
        reader = threading.Thread(target=lambda: self.lines.extend(iter(p.stderr.readline, "")), daemon=True)
        reader.start()
        self.reader = reader

        def cleanup():
            if p.poll() is None:
                p.kill()
            p.wait()
            reader.join(5)
            p.stderr.close()
        self.addCleanup(cleanup)
        return p, registry

    def stderr_text(self):
        return "".join(list(self.lines))

    def wait_for_line(self, p, text, timeout=15):
        """Waits until stderr holds `text` (or the deadline); returns stderr so far."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.stderr_text():
                return self.stderr_text()
            if p.poll() is not None:
                break
            time.sleep(0.05)
        self.fail("no %r on stderr within %ss; got: %r" % (text, timeout, self.stderr_text()))

    def finish(self, p, timeout=10):
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.fail("the agent did not exit within %ss of the signal" % timeout)
        self.reader.join(5)  # its stderr to the end
        return p.returncode, self.stderr_text()

    def test_it_says_where_it_connects_and_that_nothing_answers(self):
        p, registry = self.start()
        seen = self.wait_for_line(p, "event=agent_starting")
        self.assertIn("registry=" + registry, seen)
        seen = self.wait_for_line(p, "event=registry_no_answer")
        self.assertIn("is orion-registry running there?", seen)
        p.send_signal(signal.SIGINT)
        self.finish(p)

    def test_ctrl_c_stops_it_without_a_traceback(self):
        p, _ = self.start()
        self.wait_for_line(p, "event=agent_starting")
        p.send_signal(signal.SIGINT)
        code, rest = self.finish(p)
        self.assertEqual(code, 0, rest)
        self.assertNotIn("Traceback", rest)
        self.assertIn("signal=SIGINT", rest)

    def test_sigterm_drains_it_and_it_exits(self):
        p, _ = self.start()
        self.wait_for_line(p, "event=agent_starting")
        p.send_signal(signal.SIGTERM)
        code, rest = self.finish(p)
        self.assertEqual(code, 0, rest)
        self.assertNotIn("Traceback", rest)
        self.assertIn("action=drain", rest)


if __name__ == "__main__":
    unittest.main()
