"""The SDK installs as a package: `pip install ./sdk/python` into a fresh virtual environment,
then imported from elsewhere (not from the source tree) with its version in the package
metadata. The environment sees the system's site packages so that pyzmq and msgpack come from
Debian (this machine reaches no package index: --no-index, --no-deps)."""

import os
import subprocess
import sys
import tempfile
import unittest

SDK_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


class InstallTest(unittest.TestCase):
    def test_pip_installs_the_sdk_into_a_virtual_environment(self):
        try:
            import ensurepip  # noqa: F401  (Debian: python3-venv)
        except ImportError:
            self.skipTest("no venv/ensurepip in this interpreter (Debian: python3-venv)")
        with tempfile.TemporaryDirectory() as tmp:
            env_dir = os.path.join(tmp, "venv")
            subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", env_dir], check=True)
            py = os.path.join(env_dir, "bin", "python")
            # The build writes into the source tree (build/, *.egg-info): build from a copy.
            src = os.path.join(tmp, "src")
            subprocess.run(["cp", "-r", SDK_DIR, src], check=True)
            r = subprocess.run([py, "-m", "pip", "install", "--no-deps", "--no-index", "--no-build-isolation", "-q", src],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            probe = ("import importlib.metadata, orion_sdk; "
                     "print(orion_sdk.__file__); print(importlib.metadata.version('orion-sdk')); "
                     "print(orion_sdk.Client.__name__, orion_sdk.Agent.__name__)")
            out = subprocess.run([py, "-c", probe], capture_output=True, text=True, cwd=tmp,
                                 env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
            self.assertEqual(out.returncode, 0, out.stderr)
            where, version, names = out.stdout.splitlines()
            self.assertTrue(where.startswith(env_dir), where)
            self.assertEqual(version, "0.1.0")
            self.assertEqual(names, "Client Agent")


if __name__ == "__main__":
    unittest.main()
