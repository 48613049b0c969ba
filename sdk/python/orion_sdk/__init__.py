"""orion_sdk: the Orion agent SDK and client for Python (ORION/1, docs/protocol.md).

Needs only Debian's python3-zmq and python3-msgpack. See docs/python-sdk.md.

    from orion_sdk import Agent, Client, TaskState, OrionError
"""

from .agent import SDK_VERSION, Agent, TaskContext
from .client import Client, TaskView
from .protocol import ErrorCode, MsgType, OrionError, Priority, TaskState
from .workflow import WorkflowState

__all__ = ["Agent", "TaskContext", "Client", "TaskView", "OrionError", "ErrorCode", "MsgType", "Priority",
           "TaskState", "WorkflowState", "SDK_VERSION"]
