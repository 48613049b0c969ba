"""Tests of orion_sdk.protocol: the Python codec must write the bytes the C++ codec writes
(golden bodies from tests/unit/common/messages_test.cpp), read them back, and refuse what the
C++ decoder refuses with the same error code, never with any other exception.

    /usr/bin/python3 -m unittest discover -s sdk/python/tests -t sdk/python
"""

import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from orion_sdk import protocol as p  # noqa: E402
from orion_sdk.protocol import ErrorCode, MsgType, OrionError  # noqa: E402
from raises import code_of  # noqa: E402

UNICODE = "\u00e9t\u00e9 \u4e16\u754c \U0001F680"  # été 世界 🚀


def every_kind():
    return {
        "nil": None, "yes": True, "no": False, "zero": 0, "fixint": 127, "uint8": 128, "uint32": 4_294_967_296,
        "int64_max": p.INT64_MAX, "uint64_max": p.UINT64_MAX, "minus_one": -1, "minus_33": -33,
        "int64_min": -(1 << 63), "half": 1.5, "tenth": 0.1, "huge": -1e300, "unicode": "h\u00e9llo " + UNICODE,
        "empty": "", "binary": b"\x00\xff\xc1\x80",
        "nested": {"list": [1, "two", {"three": [3.25, None]}], "map": {}}, "empty_list": [],
    }


def nested_arrays(depth):
    v = 1
    for _ in range(depth):
        v = [v]
    return v


# ---- golden bytes: tests/unit/common/messages_test.cpp (WireForm.*) ---------------------------
# The same hex strings as the C++ tests, which froze them from the C++ encoder.

SUBMIT_BODY = (
    "81a47461736b87ac6361706162696c697469657391a3677075a5696e70757482a16effa173a2c3a9a86d6574616461746181a47465616d"
    "a36f7073a46e616d65a76e696768746c79a87072696f7269747903aa74696d656f75745f6d73cd1388a474797065a46563686f")
ASSIGN_BODY = (
    "86a7617474656d707402a5696e7075749401ca40200000c3c0a86d6574616461746180a77461736b5f6964a25431aa74696d656f75745f"
    "6d73cdea60a474797065a46563686f")
TASK_RESULT_BODY = "85a7617474656d707402a56572726f72a4626f6f6da26f6bc2a66f7574707574c0a77461736b5f6964a25431"
ERROR_BODY = "82a4636f646502a76d657373616765b67461736b20543920646f6573206e6f74206578697374"
EVENT_BODY = (
    "85a46461746182a5737461746504a77461736b5f6964a25431a97075626c6973686572a97363686564756c6572a373657107a5746f7069"
    "63ae7461736b2e636f6d706c65746564a574735f6d73cf0000018bcfe56800")


class GoldenBytes(unittest.TestCase):
    def frames(self, msg_type, rid, body):
        return p.encode_frames(p.Envelope(msg_type, rid, body))

    def test_submit_is_byte_for_byte_the_cpp_encoding_and_reads_back(self):
        spec = p.task_spec("echo", {"n": -1, "s": "\u00e9"}, name="nightly", capabilities=["gpu"], priority="high",
                           timeout_ms=5000, metadata={"team": "ops"})
        frames = self.frames(MsgType.SUBMIT, b"r-1", p.submit_body(spec))
        self.assertEqual(frames[:3], [b"ORION/1", b"\x1e", b"r-1"])
        self.assertEqual(frames[3].hex(), SUBMIT_BODY)
        env = p.decode_frames([b"ORION/1", b"\x1e", b"r-1", bytes.fromhex(SUBMIT_BODY)])
        self.assertEqual(env.type, MsgType.SUBMIT)
        back = p.parse_task_spec(env.body["task"])
        self.assertEqual(back["input"], {"n": -1, "s": "\u00e9"})
        self.assertEqual((back["name"], back["type"], back["capabilities"], back["priority"], back["timeout_ms"]),
                         ("nightly", "echo", ["gpu"], p.Priority.HIGH, 5000))
        self.assertEqual(back["metadata"], {"team": "ops"})

    def test_assign_is_byte_for_byte_the_cpp_encoding_with_a_float32_and_parses(self):
        body = {"task_id": "T1", "attempt": 2, "type": "echo", "input": [1, 2.5, True, None], "metadata": {},
                "timeout_ms": 60_000}
        frames = self.frames(MsgType.ASSIGN, b"", body)
        self.assertEqual(frames[1], b"\x36")
        self.assertEqual(frames[3].hex(), ASSIGN_BODY)
        a = p.parse_assign(p.decode_frames([b"ORION/1", b"\x36", b"", bytes.fromhex(ASSIGN_BODY)]).body)
        self.assertEqual(a["input"], [1, 2.5, True, None])
        self.assertEqual((a["task_id"], a["attempt"], a["timeout_ms"], a["deps"]), ("T1", 2, 60_000, {}))

    def test_task_result_is_byte_for_byte_the_cpp_encoding(self):
        frames = self.frames(MsgType.TASK_RESULT, b"r-3", p.task_result_body("T1", 2, False, None, "boom"))
        self.assertEqual(frames[1], b"\x38")
        self.assertEqual(frames[3].hex(), TASK_RESULT_BODY)
        r = p.parse_task_result(p.decode_value(bytes.fromhex(TASK_RESULT_BODY)))
        self.assertEqual((r["ok"], r["error"], r["output"]), (False, "boom", None))

    def test_error_is_byte_for_byte_the_cpp_encoding_and_reads_back(self):
        frames = self.frames(MsgType.ERROR, b"r-4", p.error_body(ErrorCode.NOT_FOUND, "task T9 does not exist"))
        self.assertEqual(frames[1], b"\x01")
        self.assertEqual(frames[3].hex(), ERROR_BODY)
        err = p.error_from_body(p.decode_value(bytes.fromhex(ERROR_BODY)))
        self.assertEqual((err.code, err.message), (ErrorCode.NOT_FOUND, "task T9 does not exist"))

    def test_event_is_byte_for_byte_the_cpp_encoding_with_a_uint64_timestamp(self):
        body = {"topic": "task.completed", "publisher": "scheduler", "seq": 7, "ts_ms": 1_700_000_000_000,
                "data": {"task_id": "T1", "state": 4}}
        self.assertEqual(p.encode_value(body).hex(), EVENT_BODY)
        self.assertEqual(p.decode_value(bytes.fromhex(EVENT_BODY)), body)

    def test_agent_spec_weight_goes_as_float32_like_the_cpp_double_one(self):
        packed = p.encode_value(p.agent_spec("a", weight=1))
        self.assertIn(b"\xa6weight\xca\x3f\x80\x00\x00", packed)


class Encoding(unittest.TestCase):
    def test_map_keys_are_sorted_by_their_bytes(self):
        self.assertEqual(p.encode_value({"b": 1, "a": 2, "c": 3}), bytes([0x83, 0xA1, 0x61, 2, 0xA1, 0x62, 1, 0xA1,
                                                                          0x63, 3]))
        # Byte order, not code point order of the Python str: "é" (c3 a9) sorts after "z".
        self.assertEqual(p.encode_value({"\u00e9": 1, "z": 2})[1:], b"\xa1z\x02\xa2\xc3\xa9\x01")

    def test_integers_take_the_shortest_form_as_nlohmann_writes_them(self):
        cases = {0: "00", 127: "7f", 128: "cc80", 255: "ccff", 256: "cd0100", 65536: "ce00010000",
                 1 << 32: "cf0000000100000000", p.UINT64_MAX: "cfffffffffffffffff", -1: "ff", -32: "e0",
                 -33: "d0df", -128: "d080", -129: "d1ff7f", -32769: "d2ffff7fff", -(1 << 31) - 1: "d3ffffffff7fffffff",
                 -(1 << 63): "d38000000000000000"}
        for value, hexed in cases.items():
            self.assertEqual(p.encode_value(value).hex(), hexed, value)

    def test_floats_are_float32_when_exact_and_float64_otherwise(self):
        self.assertEqual(p.encode_value(2.5).hex(), "ca40200000")
        self.assertEqual(p.encode_value(-0.0).hex(), "ca80000000")
        self.assertEqual(p.encode_value(0.1), b"\xcb" + struct.pack(">d", 0.1))
        self.assertEqual(p.encode_value(1e300), b"\xcb" + struct.pack(">d", 1e300))
        self.assertEqual(p.encode_value(float("inf"))[:1], b"\xcb")
        self.assertEqual(p.encode_value(float("nan"))[:1], b"\xcb")
        self.assertEqual(p.encode_value(1.0), b"\xca\x3f\x80\x00\x00")  # a float stays a float
        self.assertEqual(p.encode_value(True), b"\xc3")  # and a bool is not an int

    def test_strings_bins_and_containers_pick_their_header_by_length(self):
        self.assertEqual(p.encode_value("x" * 31)[:1], b"\xbf")
        self.assertEqual(p.encode_value("x" * 32)[:2], b"\xd9\x20")
        self.assertEqual(p.encode_value("x" * 256)[:3], b"\xda\x01\x00")
        self.assertEqual(p.encode_value("x" * 65536)[:5], b"\xdb\x00\x01\x00\x00")
        self.assertEqual(p.encode_value(b"ab"), b"\xc4\x02ab")
        self.assertEqual(p.encode_value(bytearray(300))[:3], b"\xc5\x01\x2c")
        self.assertEqual(p.encode_value(list(range(15)))[:1], b"\x9f")
        self.assertEqual(p.encode_value(list(range(16)))[:3], b"\xdc\x00\x10")
        self.assertEqual(p.encode_value((1, 2)), b"\x92\x01\x02")
        self.assertEqual(p.encode_value({str(i): i for i in range(16)})[:3], b"\xde\x00\x10")

    def test_refuses_what_no_peer_would_accept(self):
        self.assertEqual(code_of(p.encode_value, {1: 2}), ErrorCode.INVALID_ARGUMENT)
        self.assertEqual(code_of(p.encode_value, 1 << 64), ErrorCode.INVALID_ARGUMENT)
        self.assertEqual(code_of(p.encode_value, -(1 << 63) - 1), ErrorCode.INVALID_ARGUMENT)
        self.assertEqual(code_of(p.encode_value, {1, 2}), ErrorCode.INVALID_ARGUMENT)
        self.assertEqual(code_of(p.encode_value, nested_arrays(33)), ErrorCode.TOO_LARGE)
        self.assertIsNone(code_of(p.encode_value, nested_arrays(32)))
        loop = []
        loop.append(loop)
        self.assertEqual(code_of(p.encode_value, loop), ErrorCode.TOO_LARGE)


class Decoding(unittest.TestCase):
    def test_round_trips_every_kind_of_value(self):
        v = every_kind()
        back = p.decode_value(p.encode_value(v))
        self.assertEqual(back, v)
        self.assertIsInstance(back["binary"], bytes)
        self.assertIsInstance(back["half"], float)
        self.assertIs(type(back["zero"]), int)

    def test_round_trips_scalars_at_the_top_level(self):
        for v in (None, True, -7, 2.5, "s", [1, 2], UNICODE):
            self.assertEqual(p.decode_value(p.encode_value(v)), v)

    def test_a_string_that_is_not_utf8_survives_the_round_trip_byte_for_byte(self):
        raw = b"\xa3a\xffb"  # fixstr of 3 bytes, not UTF-8: the protocol does not check
        self.assertEqual(p.encode_value(p.decode_value(raw)), raw)
        raw_map = b"\x81\xa2\xc3\x28\x01"  # a key that is not UTF-8
        self.assertEqual(p.encode_value(p.decode_value(raw_map)), raw_map)

    def test_reads_the_cpp_float32_and_every_integer_width(self):
        self.assertEqual(p.decode_value(bytes.fromhex("ca40200000")), 2.5)
        self.assertEqual(p.decode_value(bytes.fromhex("d0df")), -33)
        self.assertEqual(p.decode_value(bytes.fromhex("cd1388")), 5000)
        self.assertEqual(p.decode_value(bytes.fromhex("cfffffffffffffffff")), p.UINT64_MAX)

    def test_empty_input_is_malformed(self):
        self.assertEqual(code_of(p.decode_value, b""), ErrorCode.MALFORMED)

    def test_every_truncation_of_a_valid_value_is_malformed(self):
        full = p.encode_value(every_kind())
        for n in range(1, len(full)):
            self.assertEqual(code_of(p.decode_value, full[:n]), ErrorCode.MALFORMED, n)

    def test_trailing_bytes_are_malformed(self):
        with self.assertRaises(OrionError) as cm:
            p.decode_value(p.encode_value({"a": 1}) + b"\xc0")
        self.assertEqual(cm.exception.code, ErrorCode.MALFORMED)
        self.assertIn("trailing", cm.exception.message)

    def test_a_map_key_that_is_not_a_string_is_malformed(self):
        self.assertEqual(code_of(p.decode_value, b"\x81\x01\x02"), ErrorCode.MALFORMED)
        self.assertEqual(code_of(p.decode_value, b"\x81\xc4\x01k\x02"), ErrorCode.MALFORMED)
        self.assertEqual(code_of(p.decode_value, b"\x81\xa1a\x81\x90\x00"), ErrorCode.MALFORMED)

    def test_ext_types_are_malformed_the_timestamp_included(self):
        for data in (b"\xd4\x01\x00", b"\xd8\x7f" + bytes(16), b"\xc7\x00\x05", b"\x81\xa1e\xd6\xff\x00\x00\x00\x00",
                     b"\xc8\x00\x01\x01\x00", b"\xc9\x00\x00\x00\x01\x01\x00"):
            self.assertEqual(code_of(p.decode_value, data), ErrorCode.MALFORMED, data.hex())

    def test_the_never_used_byte_is_malformed(self):
        self.assertEqual(code_of(p.decode_value, b"\xc1"), ErrorCode.MALFORMED)
        self.assertEqual(code_of(p.decode_value, b"\x91\xc1"), ErrorCode.MALFORMED)

    def test_a_frame_over_max_bytes_is_too_large_before_parsing(self):
        small = p.DEFAULT_LIMITS._replace(max_bytes=8)
        nine = p.encode_value({"abcdef": 1})
        self.assertEqual(len(nine), 9)
        self.assertEqual(code_of(p.decode_value, nine, small), ErrorCode.TOO_LARGE)
        self.assertIsNone(code_of(p.decode_value, p.encode_value({"abcde": 1}), small))
        self.assertEqual(code_of(p.decode_value, bytes(p.DEFAULT_LIMITS.max_bytes + 1)), ErrorCode.TOO_LARGE)

    def test_nesting_up_to_max_depth_is_accepted_and_one_more_is_too_large(self):
        depth = p.DEFAULT_LIMITS.max_depth
        self.assertEqual(p.decode_value(p.encode_value(nested_arrays(depth))), nested_arrays(depth))
        too_deep = b"\x91" * (depth + 1) + b"\x01"
        self.assertEqual(code_of(p.decode_value, too_deep), ErrorCode.TOO_LARGE)
        maps = b"\x81\xa1k" * (depth + 1) + b"\x01"
        self.assertEqual(code_of(p.decode_value, maps), ErrorCode.TOO_LARGE)
        # An empty container one level too deep counts too (as in msgpack-c).
        self.assertEqual(code_of(p.decode_value, b"\x91" * depth + b"\x90"), ErrorCode.TOO_LARGE)
        shallow = p.DEFAULT_LIMITS._replace(max_depth=2)
        self.assertIsNone(code_of(p.decode_value, p.encode_value(nested_arrays(2)), shallow))
        self.assertEqual(code_of(p.decode_value, p.encode_value(nested_arrays(3)), shallow), ErrorCode.TOO_LARGE)

    def test_one_hundred_thousand_nested_arrays_are_too_large_without_a_crash(self):
        self.assertEqual(code_of(p.decode_value, b"\x91" * 100_000 + b"\xc0"), ErrorCode.TOO_LARGE)
        self.assertEqual(code_of(p.decode_value, b"\x81\xa1k" * 100_000 + b"\xc0"), ErrorCode.TOO_LARGE)

    def test_a_string_or_binary_longer_than_max_string_is_too_large(self):
        small = p.DEFAULT_LIMITS._replace(max_string=4)
        self.assertIsNone(code_of(p.decode_value, p.encode_value("abcd"), small))
        self.assertEqual(code_of(p.decode_value, p.encode_value("abcde"), small), ErrorCode.TOO_LARGE)
        self.assertEqual(code_of(p.decode_value, p.encode_value({"k": "abcde"}), small), ErrorCode.TOO_LARGE)
        self.assertEqual(code_of(p.decode_value, p.encode_value({"abcde": 1}), small), ErrorCode.TOO_LARGE)
        self.assertIsNone(code_of(p.decode_value, p.encode_value(b"\x01\x02\x03\x04"), small))
        self.assertEqual(code_of(p.decode_value, p.encode_value(b"\x01\x02\x03\x04\x05"), small),
                         ErrorCode.TOO_LARGE)
        s = "x" * p.DEFAULT_LIMITS.max_string
        self.assertIsNone(code_of(p.decode_value, p.encode_value(s)))
        self.assertEqual(code_of(p.decode_value, p.encode_value(s + "x")), ErrorCode.TOO_LARGE)

    def test_a_container_with_more_than_max_container_entries_is_too_large(self):
        small = p.DEFAULT_LIMITS._replace(max_container=3)
        self.assertIsNone(code_of(p.decode_value, p.encode_value([1, 2, 3]), small))
        self.assertEqual(code_of(p.decode_value, p.encode_value([1, 2, 3, 4]), small), ErrorCode.TOO_LARGE)
        self.assertEqual(code_of(p.decode_value, p.encode_value({"a": 1, "b": 2, "c": 3, "d": 4}), small),
                         ErrorCode.TOO_LARGE)

    def test_headers_that_claim_more_than_follows_are_malformed_unless_over_a_bound(self):
        self.assertEqual(code_of(p.decode_value, b"\xdc\xff\xff\x01"), ErrorCode.MALFORMED)
        self.assertEqual(code_of(p.decode_value, b"\xdd\xff\xff\xff\xff"), ErrorCode.TOO_LARGE)
        self.assertEqual(code_of(p.decode_value, b"\xdf\xff\xff\xff\xff"), ErrorCode.TOO_LARGE)
        self.assertEqual(code_of(p.decode_value, b"\xdb\x00\x00\x10\x00ab"), ErrorCode.MALFORMED)
        self.assertEqual(code_of(p.decode_value, b"\xc6\x00\x00\x10\x00ab"), ErrorCode.MALFORMED)
        self.assertEqual(code_of(p.decode_value, b"\xcd\x01"), ErrorCode.MALFORMED)

    def test_garbage_never_raises_anything_but_orion_error(self):
        import random
        rng = random.Random(7)
        seeds = [p.encode_value(every_kind()), bytes.fromhex(SUBMIT_BODY), bytes.fromhex(EVENT_BODY)]
        for i in range(3000):
            data = bytearray(rng.choice(seeds))
            for _ in range(rng.randint(1, 6)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            if i % 3 == 0:
                data = data[:rng.randrange(1, len(data) + 1)]
            try:
                p.decode_value(bytes(data))
            except OrionError as e:
                self.assertIn(e.code, (ErrorCode.MALFORMED, ErrorCode.TOO_LARGE))


class Envelope(unittest.TestCase):
    def frames(self, msg_type=MsgType.GET_TASK, rid=b"req-1", body=None):
        return p.encode_frames(p.Envelope(msg_type, rid, {"task_id": "T1"} if body is None else body))

    def error_of(self, frames):
        with self.assertRaises(OrionError) as cm:
            p.decode_frames(frames)
        return cm.exception

    def test_encodes_protocol_type_request_id_and_body_as_four_frames(self):
        frames = self.frames()
        self.assertEqual(frames, [b"ORION/1", bytes([32]), b"req-1", p.encode_value({"task_id": "T1"})])

    def test_round_trips_type_request_id_and_body(self):
        rid = "r\u00e9q".encode()
        body = {"task_id": "T1", "timeout_ms": 5}
        env = p.decode_frames(self.frames(MsgType.WAIT_TASK, rid, body))
        self.assertEqual((env.type, env.request_id, env.body), (MsgType.WAIT_TASK, rid, body))

    def test_accepts_an_empty_request_id_and_an_empty_body_map(self):
        env = p.decode_frames(self.frames(MsgType.DISCOVER, b"", {}))
        self.assertEqual((env.request_id, env.body), (b"", {}))

    def test_a_protocol_frame_that_is_not_orion_is_malformed(self):
        for proto in (b"HTTP/1", b"", b"ORION"):
            frames = self.frames()
            frames[0] = proto
            self.assertEqual(self.error_of(frames).code, ErrorCode.MALFORMED, proto)

    def test_another_orion_version_is_unsupported_and_says_which_we_speak(self):
        frames = self.frames()
        frames[0] = b"ORION/2"
        err = self.error_of(frames)
        self.assertEqual(err.code, ErrorCode.UNSUPPORTED_VERSION)
        self.assertIn("ORION/1", err.message)
        frames[0] = b"ORION/10\xff\x00"
        self.assertEqual(self.error_of(frames).code, ErrorCode.UNSUPPORTED_VERSION)

    def test_any_frame_count_but_four_is_malformed(self):
        frames = self.frames()
        for n in range(4):
            self.assertEqual(self.error_of(frames[:n]).code, ErrorCode.MALFORMED, n)
        self.assertEqual(self.error_of(frames + [b"x"]).code, ErrorCode.MALFORMED)

    def test_a_type_frame_that_is_not_one_byte_is_malformed(self):
        for t in (b"\x20\x00", b""):
            frames = self.frames()
            frames[1] = t
            self.assertEqual(self.error_of(frames).code, ErrorCode.MALFORMED)

    def test_an_unknown_type_is_unknown_type(self):
        for t in (0, 2, 9, 24, 29, 49, 78, 79, 81, 100, 255):
            frames = self.frames()
            frames[1] = bytes([t])
            self.assertEqual(self.error_of(frames).code, ErrorCode.UNKNOWN_TYPE, t)

    def test_a_request_id_of_64_bytes_is_accepted_and_65_is_too_large(self):
        self.assertEqual(p.decode_frames(self.frames(rid=b"r" * 64)).request_id, b"r" * 64)
        err = self.error_of(self.frames(rid=b"r" * 65))
        self.assertEqual((err.code, err.request_id), (ErrorCode.TOO_LARGE, b""))

    def test_a_body_that_is_not_a_map_is_malformed(self):
        for body in ([1], "task", None):
            frames = self.frames()
            frames[3] = p.encode_value(body)
            self.assertEqual(self.error_of(frames).code, ErrorCode.MALFORMED, body)
        frames = self.frames()
        frames[3] = b""
        self.assertEqual(self.error_of(frames).code, ErrorCode.MALFORMED)

    def test_passes_the_codec_error_of_a_bad_body_through(self):
        frames = self.frames()
        frames[3] = frames[3][:-1]
        self.assertEqual(self.error_of(frames).code, ErrorCode.MALFORMED)
        frames[3] = b"\x81\xa1k" + b"\x91" * 40 + b"\x01"
        self.assertEqual(self.error_of(frames).code, ErrorCode.TOO_LARGE)

    def test_recovers_the_request_id_on_error_when_frame_two_is_readable(self):
        frames = self.frames(rid=b"req-7")
        frames[1] = bytes([200])
        err = self.error_of(frames)
        self.assertEqual((err.code, err.request_id), (ErrorCode.UNKNOWN_TYPE, b"req-7"))
        frames = self.frames(rid=b"req-8")
        frames[0] = b"ORION/2"
        self.assertEqual(self.error_of(frames).request_id, b"req-8")
        frames = self.frames(rid=b"req-9")
        frames[3] = b"\xc1"
        self.assertEqual(self.error_of(frames).request_id, b"req-9")
        self.assertEqual(self.error_of(frames[:3]).request_id, b"req-9")

    def test_reads_an_error_body_without_a_code_as_malformed_and_an_unknown_code_as_unknown(self):
        self.assertEqual(p.error_from_body({}).code, ErrorCode.MALFORMED)
        self.assertEqual(p.error_from_body({"code": "NOT_FOUND"}).code, ErrorCode.MALFORMED)
        self.assertEqual(p.error_from_body({"code": True}).code, ErrorCode.MALFORMED)
        self.assertEqual(p.error_from_body([]).code, ErrorCode.MALFORMED)
        self.assertEqual(p.error_from_body({"code": 99}).code, ErrorCode.UNKNOWN)
        self.assertEqual(p.error_from_body({"code": 1 << 40}).code, ErrorCode.UNKNOWN)
        self.assertEqual(p.error_from_body({"code": -1}).code, ErrorCode.UNKNOWN)
        self.assertEqual(p.error_from_body({"code": 5, "message": 7}).message, "")


class Fields(unittest.TestCase):
    def assert_names(self, fn, body, field, code=ErrorCode.INVALID_ARGUMENT):
        with self.assertRaises(OrionError) as cm:
            fn(body)
        self.assertEqual(cm.exception.code, code, str(cm.exception))
        self.assertIn("'%s'" % field, cm.exception.message)

    def assign(self, **changes):
        body = {"task_id": "T1", "attempt": 1, "type": "echo", "input": {"x": 1}}
        body.update(changes)
        return body

    def test_an_assign_reads_with_defaults_and_ignores_unknown_fields(self):
        a = p.parse_assign(self.assign(future={"deep": [1]}))
        self.assertEqual(a, {"task_id": "T1", "attempt": 1, "type": "echo", "input": {"x": 1}, "metadata": {},
                             "timeout_ms": 0, "deps": {}})

    def test_a_bad_assign_names_its_first_bad_field(self):
        self.assert_names(p.parse_assign, {"attempt": 1, "type": "echo"}, "task_id")
        self.assert_names(p.parse_assign, self.assign(task_id=None), "task_id")  # nil counts as absent
        self.assert_names(p.parse_assign, self.assign(task_id="x" * 257), "task_id")
        self.assert_names(p.parse_assign, self.assign(attempt=0), "attempt")
        self.assert_names(p.parse_assign, self.assign(attempt=1.0), "attempt")  # a float is not an int
        self.assert_names(p.parse_assign, self.assign(attempt=True), "attempt")
        self.assert_names(p.parse_assign, self.assign(attempt=p.UINT64_MAX), "attempt")
        self.assert_names(p.parse_assign, self.assign(metadata=[1]), "metadata")
        self.assert_names(p.parse_assign, self.assign(timeout_ms=p.MAX_TIMEOUT_MS + 1), "timeout_ms")
        self.assert_names(p.parse_assign, self.assign(deps="x"), "deps")
        self.assertEqual(code_of(p.parse_assign, [1]), ErrorCode.MALFORMED)

    def test_result_ok_cancel_task_and_handshakes_read_their_bounds(self):
        self.assertEqual(p.parse_result_ok({"task_id": "T1", "attempt": 0}),
                         {"task_id": "T1", "attempt": 0, "accepted": True})
        self.assert_names(p.parse_result_ok, {"task_id": "T1", "attempt": 1, "accepted": 1}, "accepted")
        self.assert_names(p.parse_cancel_task, {"task_id": "T1", "attempt": 1, "reason": "r" * 4097}, "reason")
        self.assertEqual(p.parse_register_ok({"heartbeat_ms": 200}), {"heartbeat_ms": 200, "liveness": 3,
                                                                      "replaced": False})
        self.assert_names(p.parse_register_ok, {"heartbeat_ms": 0}, "heartbeat_ms")
        self.assert_names(p.parse_attach_ok, {"heartbeat_ms": 10, "liveness": 1001}, "liveness")
        self.assert_names(p.parse_discovery, {"scheduler_agent": 7}, "scheduler_agent")

    def test_a_task_result_with_an_output_over_4_mib_is_too_large(self):
        body = p.task_result_body("T1", 1, True, "x" * (p.MAX_INPUT_BYTES + 1))
        self.assert_names(p.parse_task_result, body, "output", ErrorCode.TOO_LARGE)

    def test_a_task_spec_is_checked_like_the_scheduler_does(self):
        self.assert_names(p.parse_task_spec, p.task_spec(""), "type")
        self.assert_names(p.parse_task_spec, p.task_spec("echo", capabilities=["x" * 257]), "capabilities")
        self.assert_names(p.parse_task_spec, p.task_spec("echo", retries=101), "retries")
        self.assert_names(p.parse_task_spec, p.task_spec("echo", retries=1, retry=p.retry_policy(multiplier=11)),
                          "retry")
        self.assert_names(p.parse_task_spec, p.task_spec("echo", "x" * p.MAX_INPUT_BYTES), "input",
                          ErrorCode.TOO_LARGE)
        with self.assertRaises(OrionError):
            p.task_spec("echo", priority="extreme")

    def test_a_task_spec_sends_the_optional_fields_only_when_set_as_cpp_does(self):
        self.assertEqual(sorted(p.task_spec("echo")), ["capabilities", "input", "metadata", "name", "priority",
                                                       "timeout_ms", "type"])
        full = p.task_spec("echo", retries=2, depends_on=["t1"], preferred_agents=["a"], excluded_agents=["b"],
                           idempotency_key="k", unschedulable_timeout_ms=0, result_ttl_ms=0)
        self.assertEqual(full["retry"], {"kind": 1, "initial_ms": 1000, "max_ms": 60_000, "multiplier": 2.0,
                                         "jitter": 0.0})
        for key in ("retries", "depends_on", "preferred_agents", "excluded_agents", "idempotency_key",
                    "unschedulable_timeout_ms", "result_ttl_ms"):
            self.assertIn(key, full)
        self.assertEqual(p.parse_task_spec(full)["result_ttl_ms"], 0)
        self.assertEqual(p.parse_task_spec(p.task_spec("echo"))["result_ttl_ms"], -1)
        with self.assertRaises(OrionError):
            p.parse_task_spec(p.task_spec("echo", result_ttl_ms=p.MAX_RETENTION_MS + 1))

    def test_delay_not_before_and_on_exhausted_go_only_when_set_and_are_checked(self):
        self.assertNotIn("delay_ms", p.task_spec("echo"))
        self.assertNotIn("on_exhausted", p.task_spec("echo"))
        s = p.task_spec("echo", delay_ms=600_000, on_exhausted="park")
        self.assertEqual((s["delay_ms"], s["on_exhausted"]), (600_000, "park"))
        back = p.parse_task_spec(p.task_spec("echo", not_before_ms=1_800_000_000_000))
        self.assertEqual((back["not_before_ms"], back["delay_ms"], back["on_exhausted"]), (1_800_000_000_000, 0, ""))  # "" = the namespace's default
        self.assert_names(p.parse_task_spec, p.task_spec("echo", delay_ms=1, not_before_ms=1), "delay_ms")
        self.assert_names(p.parse_task_spec, p.task_spec("echo", delay_ms=p.MAX_DELAY_MS + 1), "delay_ms")
        self.assert_names(p.parse_task_spec, p.task_spec("echo", on_exhausted="retry"), "on_exhausted")

    def test_a_task_view_reads_state_history_and_the_spec(self):
        view = dict(p.task_spec("echo", {"a": 1}), task_id="t1", state=4, attempt=2, output=[1],
                    history=[{"state": 1, "at_ms": 5, "note": "submitted"}])
        v = p.parse_task_info({"task": view})
        self.assertEqual((v["task_id"], v["state"], v["attempt"], v["output"], v["input"]),
                         ("t1", p.TaskState.COMPLETED, 2, [1], {"a": 1}))
        self.assertEqual(v["history"][0]["state"], p.TaskState.PENDING)
        self.assert_names(p.parse_task_info, {"task": dict(view, state=9)}, "state")
        parked = p.parse_task_info({"task": dict(view, state=8, history=[{"state": 8}])})
        self.assertEqual((parked["state"], parked["history"][0]["state"]), (p.TaskState.PARKED, p.TaskState.PARKED))
        self.assertFalse(p.TaskState.PARKED.terminal)
        self.assertEqual(p.TaskState(8).name, "PARKED")
        self.assert_names(p.parse_task_info, {"task": dict(view, history=[{"state": 1}] * 65)}, "history")
        self.assert_names(p.parse_task_info, {}, "task")

    def test_a_consensus_gate_goes_as_cpp_reads_it_and_a_bad_one_names_the_field(self):
        short = p.task_spec("deploy", capabilities=["ops"], consensus="UNANIMOUS")
        self.assertEqual(short["consensus"], {"type": "unanimous", "timeout_ms": 60_000, "data": {}})
        full = p.task_spec("deploy", consensus={"type": "weighted", "capability": "ops", "voters": ["a", "b"],
                                                "timeout_ms": 5000, "data": {"v": 2}})
        self.assertEqual(p.parse_task_spec(full)["consensus"]["voters"], ["a", "b"])
        for bad in ({"type": "raft"}, {"type": "majority", "timeout_ms": 0}, {"type": "majority", "voters": ["a", "a"]},
                    {"type": "majority", "data": 5}, {"capability": "ops"}):
            with self.assertRaises(OrionError) as e:
                p.task_spec("deploy", consensus=bad)
            self.assertEqual(e.exception.code, ErrorCode.INVALID_ARGUMENT)
            self.assertIn("consensus", e.exception.message)
        view = dict(full, task_id="t1", state=6, gate={"id": "t1", "proposal_id": "p3", "outcome": "REJECTED"})
        self.assertEqual(p.parse_task_info({"task": view})["gate"]["outcome"], "REJECTED")
        self.assert_names(p.parse_task_info, {"task": dict(view, gate={"proposal_id": "p3"})}, "gate")


if __name__ == "__main__":
    unittest.main()
