"""What the tests ask of a call that should be refused: the ErrorCode it raises."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from orion_sdk.protocol import OrionError  # noqa: E402


def code_of(fn, *args, **kwargs):
    """The ErrorCode fn raises, or None when it returns."""
    try:
        fn(*args, **kwargs)
    except OrionError as e:
        return e.code
    return None
