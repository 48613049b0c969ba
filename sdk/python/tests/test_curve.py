"""Key files read as the C++ side writes and reads them, and a CURVE client the C++-style
server setup admits (pyzmq on both ends here; the C++ pair is tested in common_unit_tests)."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import zmq  # noqa: E402

from orion_sdk.curve import is_z85_key, read_key_pair, read_public_key, secure_client  # noqa: E402
from orion_sdk.protocol import ErrorCode, OrionError  # noqa: E402


def write(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


class KeyFiles(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        pub, sec = zmq.curve_keypair()
        self.public, self.secret = pub.decode(), sec.decode()

    def tearDown(self):
        self.dir.cleanup()

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def test_a_pair_and_its_public_half_read_back(self):
        write(self.path("a.key"), "# c\npublic = %s\nsecret = %s\n" % (self.public, self.secret))
        write(self.path("a.key.pub"), "public = %s\n" % self.public, 0o644)
        self.assertEqual(read_key_pair(self.path("a.key")), (self.public, self.secret))
        self.assertEqual(read_public_key(self.path("a.key.pub")), self.public)
        self.assertEqual(read_public_key(self.path("a.key")), self.public)
        self.assertTrue(is_z85_key(self.public))
        self.assertFalse(is_z85_key(self.public[:39] + '"'))

    def test_an_open_or_damaged_file_is_refused_naming_why(self):
        write(self.path("open.key"), "secret = %s\n" % self.secret, 0o644)
        with self.assertRaises(OrionError) as e:
            read_key_pair(self.path("open.key"))
        self.assertEqual(e.exception.code, ErrorCode.INVALID_ARGUMENT)
        self.assertIn("mode 0600", str(e.exception))
        other = zmq.curve_keypair()[0].decode()
        for text, why in [
            ("public = %s\nsecret = %s\n" % (other, self.secret), "not the public key of its secret"),
            ("secret = %s\n" % self.secret[:39], "not 40 characters of Z85"),
            ("private = %s\n" % self.secret, "unknown name 'private'"),
            ("secret\n", "is not 'name = value'"),  # (a Z85 key may itself hold '=')
            ("secret = %s\nsecret = %s\n" % (self.secret, self.secret), "a second secret key"),
            ("# nothing\n", "no secret key"),
            ("#" * 5000, "longer than a key file"),
        ]:
            write(self.path("bad.key"), text)
            with self.assertRaises(OrionError) as e:
                read_key_pair(self.path("bad.key"))
            self.assertIn(why, str(e.exception))
            self.assertIn(self.path("bad.key"), str(e.exception))


class CurveClient(unittest.TestCase):
    def test_a_client_with_the_servers_key_talks_and_one_without_curve_does_not(self):
        ctx = zmq.Context()
        try:
            spub, ssec = zmq.curve_keypair()
            server = ctx.socket(zmq.ROUTER)
            server.linger = 0
            server.curve_server = True
            server.curve_secretkey = ssec
            port = server.bind_to_random_port("tcp://127.0.0.1")
            client = ctx.socket(zmq.DEALER)
            client.linger = 0
            pub, sec = zmq.curve_keypair()
            secure_client(client, (pub.decode(), sec.decode()), spub.decode())
            client.connect("tcp://127.0.0.1:%d" % port)
            plain = ctx.socket(zmq.DEALER)
            plain.linger = 0
            plain.connect("tcp://127.0.0.1:%d" % port)
            plain.send(b"in the clear")
            client.send(b"hello")
            self.assertTrue(server.poll(10_000), "nothing arrived from the CURVE client")
            _, body = server.recv_multipart()
            self.assertEqual(body, b"hello")
            self.assertEqual(server.poll(0), 0, "the plain client's message must not arrive")
        finally:
            ctx.destroy(linger=0)


if __name__ == "__main__":
    unittest.main()
