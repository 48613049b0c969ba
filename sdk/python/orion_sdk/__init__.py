"""orion_sdk: the Orion agent SDK and client for Python (ORION/1, docs/protocol.md).

Needs only Debian's python3-zmq and python3-msgpack (and, to vote, the libsodium23 shared
library, loaded with ctypes). See docs/python-sdk.md.

    from orion_sdk import Agent, Client, TaskState, OrionError
"""

from .agent import SDK_VERSION, Agent, TaskContext
from .client import Client, TaskView
from .consensus_messages import ConsensusType, Outcome
from .protocol import ErrorCode, MsgType, OrionError, Priority, TaskState
from .sockets import use_curve, use_curve_from_environment
from .vote_signature import SodiumUnavailable, VoteKeys
from .workflow import WorkflowState

__all__ = ["use_curve", "use_curve_from_environment", "Agent", "TaskContext", "Client", "TaskView", "OrionError", "ErrorCode", "MsgType", "Priority",
           "TaskState", "SDK_VERSION", "ConsensusType", "Outcome", "SodiumUnavailable", "VoteKeys", "WorkflowState"]
