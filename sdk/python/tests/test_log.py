"""orion_sdk.log: the services' logfmt and JSON lines, quoting only where needed."""

import io
import json
import logging
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from orion_sdk import log  # noqa: E402


class LogTest(unittest.TestCase):
    def tearDown(self):
        for h in list(logging.getLogger().handlers):
            logging.getLogger().removeHandler(h)

    def test_quoted_only_where_needed(self):
        self.assertEqual(log.logfmt_value("t-1"), "t-1")
        self.assertEqual(log.logfmt_value(""), '""')
        self.assertEqual(log.logfmt_value("two words"), '"two words"')
        self.assertEqual(log.logfmt_value('say "hi"\\\n'), '"say \\"hi\\"\\\\\\n"')

    def test_logfmt_line_as_the_services_write_it(self):
        out = io.StringIO()
        log.configure(service="agent", level="info", fmt="logfmt", stream=out)
        logging.getLogger("orion.agent").info("event=task_failed task=%s error=%s", "t-1", log.logfmt_value("a b"))
        line = out.getvalue().strip()
        self.assertRegex(line, r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} level=info svc=agent '
                               r'event=task_failed task=t-1 error="a b"$')

    def test_json_line_has_every_pair(self):
        out = io.StringIO()
        log.configure(service="agent", level="debug", fmt="json", stream=out)
        logging.getLogger("orion.agent").warning("event=x task=t-1 error=%s stray", log.logfmt_value('q "x" =y'))
        obj = json.loads(out.getvalue())
        self.assertEqual(obj["level"], "warning")
        self.assertEqual(obj["svc"], "agent")
        self.assertEqual(obj["event"], "x")
        self.assertEqual(obj["task"], "t-1")
        self.assertEqual(obj["error"], 'q "x" =y')
        self.assertEqual(obj["msg"], "stray")

    def test_unknown_level_or_format_refused(self):
        with self.assertRaisesRegex(ValueError, "xml"):
            log.configure(fmt="xml")
        with self.assertRaisesRegex(ValueError, "loud"):
            log.configure(level="loud")


if __name__ == "__main__":
    unittest.main()
