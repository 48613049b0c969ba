"""Generated from common/protocol.toml by scripts/gen_protocol.py: do not edit.

The ORION/1 message types, wire bounds, and the fields of every body and record:
orion_sdk.messages reads and checks bodies with these lists.
"""

import enum
from collections import namedtuple

INT64_MAX = (1 << 63) - 1

# ---- wire bounds ----
MAX_NAME_BYTES = 256  # ids, names, types, capabilities, endpoints
MAX_LIST_ITEMS = 1_024  # capabilities, agent lists, labels in one message
MAX_INPUT_BYTES = 4_194_304  # encoded input or output of one task, 4 MiB
MAX_ERROR_BYTES = 4_194_304  # error text of a task or workflow, 4 MiB
MAX_TEXT_BYTES = 4_096  # reason, progress message, history note
MAX_TIMEOUT_MS = 604_800_000  # a task's timeout_ms: a week
MAX_RETENTION_MS = 315_360_000_000  # result_ttl_ms of a task or workflow: 3,650 days
MAX_DELAY_MS = 31_622_400_000  # a task's delay_ms, and how far ahead its not_before_ms may be: 366 days
MAX_WAIT_MS = 3_600_000  # WAIT_TASK, WAIT_TASKS and WAIT_PROPOSAL timeout_ms
DEFAULT_WAIT_MS = 30_000  # their default
MAX_HEARTBEAT_MS = 3_600_000  # heartbeat_ms of REGISTER_OK and ATTACH_OK
MAX_LIVENESS = 1_000  # missed heartbeats before an agent is DOWN
MAX_CAPACITY = 100_000  # an agent's capacity and load; entries of `running`
MAX_ATTEMPT = 1_000_000  # a task's attempt number
MAX_RUN = 1_000_000  # a workflow's run number
MAX_RETRIES = 100  # retries of one task
MAX_HISTORY = 64  # state changes kept in a TaskView
MAX_BATCH_TASKS = 200_000  # tasks in one SUBMIT_BATCH; depends_on, waiting_on, also_ended
MAX_WAIT_TASKS = 10_000  # task ids in one WAIT_TASKS; LIST_TASKS limit
MAX_FILTER_VALUES = 16  # values of one LIST_TASKS filter
DEFAULT_LIST_LIMIT = 100  # LIST_TASKS limit when absent
MAX_WORKFLOW_STEPS = 1_000  # steps in one workflow
MAX_REPLICAS_LISTED = 64  # replicas per service in one CLUSTER_INFO
MAX_ENDPOINTS = 16  # endpoints a replica announces
MAX_VOTERS = 1_024  # eligible voters of one proposal
MAX_VOTES = 2_048  # votes listed in a ProposalView
DEFAULT_PROPOSAL_TIMEOUT_MS = 60_000  # a proposal's and a gate's timeout when absent
MAX_LEASE_TTL_MS = 86_400_000  # a lease's ttl_ms: a day
MIN_PROPOSAL_RETENTION_MS = 1_000  # the shortest non-zero PROPOSE result_ttl_ms
MAX_PROPOSAL_RETENTION_MS = 315_360_000_000  # the longest: 10 years
MAX_LIMIT_KEYS = 8  # limit keys of one task
MAX_LIMIT_KEY_BYTES = 128  # one limit key
MAX_LIMIT_COUNT = 1_000_000  # a limit rule's max_running and rate
MAX_LIMIT_PERIOD_MS = 86_400_000  # a limit rule's period_ms: a day
MAX_STATS_ROWS = 1_024  # task types, waiting classes in SCHEDULER_STATS_OK
MAX_STATS_KEYS = 64  # entries of a Counts map
MAX_GATE_DATA_BYTES = 65_536  # a consensus gate's encoded data
MAX_AUDIT_FIELD_BYTES = 1_024  # principal, action, target, outcome, detail of one audit record
MAX_AUDIT_PAGE = 1_000  # audit records in one AUDIT_LIST_OK
MAX_EVENT_PAGE = 1_000  # events in one EVENT_HISTORY_OK
MAX_NAMESPACE_BYTES = 64  # a namespace name: 1..64 bytes of letters, digits, `_`, `-`, `.`
MAX_NAMESPACES_LISTED = 1_000  # namespaces in one NAMESPACE_LIST, and the namespaces labelled in /metrics (the rest are `other`)
MAX_EVENT_PAGE_BYTES = 4_194_304  # the encoded `events` of one EVENT_HISTORY_OK, 4 MiB


class MsgType(enum.IntEnum):
    """Message types (protocol.md sections 4, 13.2 and 14). Frozen: never renumbered. A type
    not listed here decodes as UNKNOWN_TYPE."""

    UNKNOWN = 0
    ERROR = 1
    REGISTER = 10
    REGISTER_OK = 11
    HEARTBEAT = 12
    HEARTBEAT_OK = 13
    DEREGISTER = 14
    DEREGISTER_OK = 15
    LIST_AGENTS = 16
    AGENT_LIST = 17
    DISCOVER = 18
    DISCOVERY = 19
    ANNOUNCE = 20
    ANNOUNCE_OK = 21
    CLUSTER_STATUS = 22
    CLUSTER_INFO = 23
    SUBMIT = 30
    SUBMIT_OK = 31
    GET_TASK = 32
    TASK_INFO = 33
    WAIT_TASK = 34
    SUBMIT_BATCH = 35
    SUBMIT_BATCH_OK = 36
    CANCEL = 37
    CANCEL_OK = 38
    REPRIORITIZE = 39
    REPRIORITIZE_OK = 40
    LIST_TASKS = 41
    TASK_LIST = 42
    WAIT_TASKS = 43
    DRAIN_AGENT = 44
    DRAIN_AGENT_OK = 45
    DRAIN = 46
    AGENT_STATS = 47
    AGENT_STATS_OK = 48
    ATTACH = 50
    ATTACH_OK = 51
    AGENT_HEARTBEAT = 52
    AGENT_HEARTBEAT_OK = 53
    ASSIGN = 54
    TASK_PROGRESS = 55
    TASK_RESULT = 56
    RESULT_OK = 57
    CANCEL_TASK = 58
    DETACH = 59
    PROPOSE = 60
    PROPOSE_OK = 61
    VOTE = 62
    VOTE_OK = 63
    GET_PROPOSAL = 64
    PROPOSAL_INFO = 65
    WAIT_PROPOSAL = 66
    ACQUIRE_LEASE = 67
    RENEW_LEASE = 68
    RELEASE_LEASE = 69
    LEASE_INFO = 70
    GET_LEASE = 71
    GET_REPLICA = 72
    REPLICA_INFO = 73
    PROPOSAL_STATS = 74
    PROPOSAL_STATS_OK = 75
    CHANGE_REPLICAS = 76
    CHANGE_REPLICAS_OK = 77
    EVENT = 80
    WORKFLOW_RUN = 90
    WORKFLOW_RUN_OK = 91
    GET_WORKFLOW = 92
    WORKFLOW_INFO = 93
    CANCEL_WORKFLOW = 94
    CANCEL_WORKFLOW_OK = 95
    RETRY_WORKFLOW = 96
    RETRY_WORKFLOW_OK = 97
    SCHEDULER_STATS = 98
    SCHEDULER_STATS_OK = 99
    RETRY_PARKED = 116
    RETRY_PARKED_OK = 117
    DISCARD_PARKED = 118
    DISCARD_PARKED_OK = 119
    AUDIT_LIST = 120
    AUDIT_LIST_OK = 121
    EVENT_HISTORY = 122
    EVENT_HISTORY_OK = 123
    SCHEDULE_CREATE = 140
    SCHEDULE_INFO = 141
    SCHEDULE_LIST = 142
    SCHEDULE_LIST_OK = 143
    SCHEDULE_PAUSE = 144
    SCHEDULE_RESUME = 145
    SCHEDULE_DELETE = 146
    SCHEDULE_DELETE_OK = 147
    SCHEDULE_TRIGGER = 148
    SCHEDULE_TRIGGER_OK = 149
    SET_LIMIT = 150
    LIMIT_OK = 151
    DELETE_LIMIT = 152
    DELETE_LIMIT_OK = 153
    LIST_LIMITS = 154
    LIMIT_LIST = 155
    SET_NAMESPACE = 156
    NAMESPACE_OK = 157
    LIST_NAMESPACES = 158
    NAMESPACE_LIST = 159
    DELETE_NAMESPACE = 160


HOT_PATH = frozenset({MsgType.ASSIGN, MsgType.SUBMIT_BATCH, MsgType.TASK_LIST, MsgType.TASK_PROGRESS, MsgType.TASK_RESULT})

# A field: kind is scalar, record, list or map; inner the scalar or record name (of the items,
# for list and map); min/max bound an int or num (of the items, for a list of int); min_bytes and
# max_bytes a str (max_bytes: the encoded size of an any or map); max_items a list or map.
Field = namedtuple("Field", "name kind inner required min max min_bytes max_bytes min_items max_items default",
                   defaults=(None, None, None, None, None, None, None))

RECORDS = {
    'AgentSpec': (
        Field('agent_id', 'scalar', 'str', True, min_bytes=1),
        Field('capabilities', 'list', 'str', False, default=[]),
        Field('capacity', 'scalar', 'int', False, min=1, max=MAX_CAPACITY, default=1),
        Field('weight', 'scalar', 'num', False, min=1e-09, max=1000000000.0, default=1.0),
        Field('labels', 'map', 'str', False, default={}),
        Field('sdk_version', 'scalar', 'str', False, default=''),
        Field('public_key', 'scalar', 'str', False, default=''),
    ),
    'AgentView': (
        Field('agent_id', 'scalar', 'str', True, min_bytes=1),
        Field('capabilities', 'list', 'str', False, default=[]),
        Field('capacity', 'scalar', 'int', False, min=1, max=MAX_CAPACITY, default=1),
        Field('weight', 'scalar', 'num', False, min=1e-09, max=1000000000.0, default=1.0),
        Field('labels', 'map', 'str', False, default={}),
        Field('sdk_version', 'scalar', 'str', False, default=''),
        Field('public_key', 'scalar', 'str', False, default=''),
        Field('state', 'scalar', 'str', False),
        Field('load', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('registered_ms', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('last_seen_ms', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('resources', 'record', 'AgentResources', False),
    ),
    'AgentResources': (
        Field('cpu', 'scalar', 'num', False, min=0, max=4096, default=0.0),
        Field('memory_bytes', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('handlers', 'scalar', 'int', False, min=0, max=MAX_CAPACITY, default=0),
    ),
    'TaskSpec': (
        Field('name', 'scalar', 'str', False, default=''),
        Field('type', 'scalar', 'str', True, min_bytes=1),
        Field('capabilities', 'list', 'str', False, default=[]),
        Field('preferred_agents', 'list', 'str', False, default=[]),
        Field('excluded_agents', 'list', 'str', False, default=[]),
        Field('priority', 'scalar', 'int', False, min=1, max=5, default=2),
        Field('timeout_ms', 'scalar', 'int', False, min=0, max=MAX_TIMEOUT_MS, default=0),
        Field('retries', 'scalar', 'int', False, min=0, max=MAX_RETRIES, default=0),
        Field('retry', 'record', 'RetryPolicy', False),
        Field('depends_on', 'list', 'str', False, max_items=MAX_BATCH_TASKS, default=[]),
        Field('idempotency_key', 'scalar', 'str', False, default=''),
        Field('unschedulable_timeout_ms', 'scalar', 'int', False, min=-1, max=MAX_TIMEOUT_MS, default=-1),
        Field('input', 'scalar', 'any', False, max_bytes=MAX_INPUT_BYTES),
        Field('metadata', 'scalar', 'map', False, default={}),
        Field('consensus', 'record', 'ConsensusGate', False),
        Field('require_consensus', 'scalar', 'str', False),
        Field('result_ttl_ms', 'scalar', 'int', False, min=-1, max=MAX_RETENTION_MS, default=-1),
        Field('not_before_ms', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('delay_ms', 'scalar', 'int', False, min=0, max=MAX_DELAY_MS, default=0),
        Field('on_exhausted', 'scalar', 'str', False, default=''),
        Field('limit_keys', 'list', 'str', False, max_items=MAX_LIMIT_KEYS, default=[]),
        Field('namespace', 'scalar', 'str', False, max_bytes=MAX_NAMESPACE_BYTES, default='default'),
    ),
    'RetryPolicy': (
        Field('kind', 'scalar', 'int', False, min=1, max=2, default=1),
        Field('initial_ms', 'scalar', 'int', False, min=0, max=MAX_TIMEOUT_MS, default=1000),
        Field('max_ms', 'scalar', 'int', False, min=0, max=MAX_TIMEOUT_MS, default=60000),
        Field('multiplier', 'scalar', 'num', False, min=1, max=10, default=2.0),
        Field('jitter', 'scalar', 'num', False, min=0, max=1, default=0.0),
    ),
    'TaskView': (
        Field('name', 'scalar', 'str', False, default=''),
        Field('type', 'scalar', 'str', True, min_bytes=1),
        Field('capabilities', 'list', 'str', False, default=[]),
        Field('preferred_agents', 'list', 'str', False, default=[]),
        Field('excluded_agents', 'list', 'str', False, default=[]),
        Field('priority', 'scalar', 'int', False, min=1, max=5, default=2),
        Field('timeout_ms', 'scalar', 'int', False, min=0, max=MAX_TIMEOUT_MS, default=0),
        Field('retries', 'scalar', 'int', False, min=0, max=MAX_RETRIES, default=0),
        Field('retry', 'record', 'RetryPolicy', False),
        Field('depends_on', 'list', 'str', False, max_items=MAX_BATCH_TASKS, default=[]),
        Field('idempotency_key', 'scalar', 'str', False, default=''),
        Field('unschedulable_timeout_ms', 'scalar', 'int', False, min=-1, max=MAX_TIMEOUT_MS, default=-1),
        Field('input', 'scalar', 'any', False, max_bytes=MAX_INPUT_BYTES),
        Field('metadata', 'scalar', 'map', False, default={}),
        Field('consensus', 'record', 'ConsensusGate', False),
        Field('require_consensus', 'scalar', 'str', False),
        Field('result_ttl_ms', 'scalar', 'int', False, min=-1, max=MAX_RETENTION_MS, default=-1),
        Field('not_before_ms', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('delay_ms', 'scalar', 'int', False, min=0, max=MAX_DELAY_MS, default=0),
        Field('on_exhausted', 'scalar', 'str', False, default=''),
        Field('limit_keys', 'list', 'str', False, max_items=MAX_LIMIT_KEYS, default=[]),
        Field('namespace', 'scalar', 'str', False, max_bytes=MAX_NAMESPACE_BYTES, default='default'),
        Field('task_id', 'scalar', 'str', True),
        Field('state', 'scalar', 'int', True, min=0, max=8),
        Field('effective_priority', 'scalar', 'int', False, min=0, max=5, default=0),
        Field('failures', 'scalar', 'int', False, min=0, max=101, default=0),
        Field('retry_at_ms', 'scalar', 'int', False, min=0, default=0),
        Field('waiting_on', 'list', 'str', False, max_items=MAX_BATCH_TASKS, default=[]),
        Field('gate', 'record', 'GateState', False),
        Field('history', 'list', 'StateChange', False, max_items=MAX_HISTORY, default=[]),
        Field('assigned_agent', 'scalar', 'str', False, default=''),
        Field('attempt', 'scalar', 'int', False, min=0, max=MAX_ATTEMPT, default=0),
        Field('progress', 'scalar', 'num', False, min=0, max=100, default=0.0),
        Field('output', 'scalar', 'any', False),
        Field('error', 'scalar', 'str', False, max_bytes=MAX_ERROR_BYTES, default=''),
        Field('reason', 'scalar', 'str', False, max_bytes=MAX_TEXT_BYTES, default=''),
        Field('created_ms', 'scalar', 'int', False, min=0, default=0),
        Field('assigned_ms', 'scalar', 'int', False, min=0, default=0),
        Field('started_ms', 'scalar', 'int', False, min=0, default=0),
        Field('finished_ms', 'scalar', 'int', False, min=0, default=0),
    ),
    'StateChange': (
        Field('state', 'scalar', 'int', True, min=0, max=8),
        Field('at_ms', 'scalar', 'int', False, min=0, default=0),
        Field('attempt', 'scalar', 'int', False, min=0, max=MAX_ATTEMPT, default=0),
        Field('agent', 'scalar', 'str', False, default=''),
        Field('note', 'scalar', 'str', False, max_bytes=MAX_TEXT_BYTES, default=''),
    ),
    'TaskRef': (
        Field('task_id', 'scalar', 'str', True),
        Field('attempt', 'scalar', 'int', True, min=0, max=MAX_ATTEMPT),
    ),
    'Replica': (
        Field('id', 'scalar', 'int', False, min=0, default=0),
        Field('role', 'scalar', 'str', False, default=''),
        Field('term', 'scalar', 'int', False, min=0, default=0),
        Field('commit_index', 'scalar', 'int', False, min=0, default=0),
        Field('applied_index', 'scalar', 'int', False, min=0, default=0),
        Field('endpoint', 'scalar', 'str', False, default=''),
        Field('endpoints', 'map', 'str', False, max_items=MAX_ENDPOINTS, default={}),
        Field('last_seen_age_ms', 'scalar', 'int', False, min=0, default=0),
        Field('leader', 'scalar', 'bool', False, default=False),
    ),
    'BatchEntry': (
        Field('key', 'scalar', 'str', True, min_bytes=1),
        Field('task', 'record', 'TaskSpec', True),
    ),
    'AgentPerf': (
        Field('agent_id', 'scalar', 'str', True),
        Field('attached', 'scalar', 'bool', False, default=False),
        Field('draining', 'scalar', 'bool', False, default=False),
        Field('load', 'scalar', 'int', False, min=0, max=MAX_CAPACITY, default=0),
        Field('capacity', 'scalar', 'int', False, min=0, max=MAX_CAPACITY, default=0),
        Field('done', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('failed', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('timed_out', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('success_rate', 'scalar', 'num', False, min=0, max=1, default=1.0),
        Field('mean_ms', 'scalar', 'num', False, min=0, max=1000000000000000.0, default=0.0),
        Field('p95_ms', 'scalar', 'num', False, min=0, max=1000000000000000.0, default=0.0),
        Field('score', 'scalar', 'num', False, min=0, max=1, default=1.0),
    ),
    'WorkflowSpec': (
        Field('name', 'scalar', 'str', True, min_bytes=1),
        Field('steps', 'list', 'TaskSpec', True, min_items=1, max_items=MAX_WORKFLOW_STEPS, default=[]),
        Field('consensus', 'record', 'ConsensusGate', False),
        Field('result_ttl_ms', 'scalar', 'int', False, min=-1, max=MAX_RETENTION_MS, default=-1),
        Field('namespace', 'scalar', 'str', False, max_bytes=MAX_NAMESPACE_BYTES, default='default'),
    ),
    'WorkflowView': (
        Field('workflow_id', 'scalar', 'str', True),
        Field('name', 'scalar', 'str', False, default=''),
        Field('state', 'scalar', 'int', True, min=0, max=4),
        Field('progress', 'scalar', 'num', False, min=0, max=100, default=0.0),
        Field('run', 'scalar', 'int', False, min=1, max=MAX_RUN, default=1),
        Field('reason', 'scalar', 'str', False, max_bytes=MAX_ERROR_BYTES, default=''),
        Field('consensus', 'scalar', 'map', False),
        Field('gate', 'scalar', 'map', False),
        Field('created_ms', 'scalar', 'int', False, min=0, default=0),
        Field('started_ms', 'scalar', 'int', False, min=0, default=0),
        Field('finished_ms', 'scalar', 'int', False, min=0, default=0),
        Field('steps', 'list', 'StepView', True, max_items=MAX_WORKFLOW_STEPS, default=[]),
        Field('namespace', 'scalar', 'str', False, max_bytes=MAX_NAMESPACE_BYTES, default='default'),
    ),
    'StepView': (
        Field('name', 'scalar', 'str', True),
        Field('task_id', 'scalar', 'str', True),
        Field('type', 'scalar', 'str', False, default=''),
        Field('depends_on', 'list', 'str', False, max_items=MAX_WORKFLOW_STEPS, default=[]),
        Field('state', 'scalar', 'int', True, min=0, max=8),
        Field('progress', 'scalar', 'num', False, min=0, max=100, default=0.0),
        Field('attempt', 'scalar', 'int', False, min=0, max=MAX_ATTEMPT, default=0),
        Field('agent', 'scalar', 'str', False, default=''),
        Field('error', 'scalar', 'str', False, max_bytes=MAX_ERROR_BYTES, default=''),
        Field('created_ms', 'scalar', 'int', False, min=0, default=0),
        Field('started_ms', 'scalar', 'int', False, min=0, default=0),
        Field('finished_ms', 'scalar', 'int', False, min=0, default=0),
        Field('reason', 'scalar', 'str', False, max_bytes=MAX_TEXT_BYTES, default=''),
    ),
    'Voter': (
        Field('agent_id', 'scalar', 'str', True, min_bytes=1),
        Field('weight', 'scalar', 'num', False, min=1e-09, max=1000000000.0, default=1.0),
        Field('public_key', 'scalar', 'str', False, max_bytes=64, default=''),
    ),
    'ProposalView': (
        Field('proposal_id', 'scalar', 'str', True),
        Field('cluster_id', 'scalar', 'str', False, max_bytes=64, default=''),
        Field('content_digest', 'scalar', 'str', False, max_bytes=64, default=''),
        Field('proposer', 'scalar', 'str', False, default=''),
        Field('type', 'scalar', 'str', False, default=''),
        Field('capability', 'scalar', 'str', False, default=''),
        Field('namespace', 'scalar', 'str', False, max_bytes=MAX_NAMESPACE_BYTES, default='default'),
        Field('data', 'scalar', 'any', False),
        Field('consensus_type', 'scalar', 'int', False, min=0, max=5, default=0),
        Field('voters', 'list', 'Voter', False, max_items=MAX_VOTERS, default=[]),
        Field('votes', 'list', 'VoteRecord', False, max_items=MAX_VOTES, default=[]),
        Field('faulty', 'list', 'str', False, default=[]),
        Field('tally', 'record', 'Tally', False),
        Field('outcome', 'scalar', 'int', True, min=0, max=4),
        Field('created_ms', 'scalar', 'int', False, min=0, default=0),
        Field('deadline_ms', 'scalar', 'int', False, min=0, default=0),
        Field('decided_ms', 'scalar', 'int', False, min=0, default=0),
        Field('result_ttl_ms', 'scalar', 'int', False, min=0, max=MAX_PROPOSAL_RETENTION_MS, default=0),
        Field('expires_ms', 'scalar', 'int', False, min=0, default=0),
    ),
    'VoteRecord': (
        Field('agent_id', 'scalar', 'str', True),
        Field('vote', 'scalar', 'str', True),
        Field('weight', 'scalar', 'num', False, min=0, max=1000000000.0, default=0.0),
        Field('at_ms', 'scalar', 'int', False, min=0, default=0),
        Field('signature', 'scalar', 'str', False, max_bytes=128, default=''),
    ),
    'Tally': (
        Field('eligible', 'scalar', 'int', False, min=0, max=1000000000, default=0),
        Field('yes', 'scalar', 'int', False, min=0, max=1000000000, default=0),
        Field('no', 'scalar', 'int', False, min=0, max=1000000000, default=0),
        Field('faulty', 'scalar', 'int', False, min=0, max=1000000000, default=0),
        Field('quorum', 'scalar', 'int', False, min=0, max=1000000000, default=0),
        Field('eligible_weight', 'scalar', 'num', False, min=0, max=1000000000000000.0, default=0.0),
        Field('yes_weight', 'scalar', 'num', False, min=0, max=1000000000000000.0, default=0.0),
        Field('no_weight', 'scalar', 'num', False, min=0, max=1000000000000000.0, default=0.0),
    ),
    'LeaseView': (
        Field('name', 'scalar', 'str', True),
        Field('holder', 'scalar', 'str', False, default=''),
        Field('token', 'scalar', 'int', False, min=0, default=0),
        Field('acquired_ms', 'scalar', 'int', False, min=0, default=0),
        Field('expires_ms', 'scalar', 'int', False, min=0, default=0),
    ),
    'ConsensusGate': (
        Field('type', 'scalar', 'str', True),
        Field('capability', 'scalar', 'str', False, default=''),
        Field('voters', 'list', 'str', False, default=[]),
        Field('timeout_ms', 'scalar', 'int', False, min=1, max=MAX_TIMEOUT_MS, default=60000),
        Field('data', 'scalar', 'map', False, max_bytes=MAX_GATE_DATA_BYTES, default={}),
    ),
    'GateState': (
        Field('id', 'scalar', 'str', True),
        Field('proposal_id', 'scalar', 'str', False, default=''),
        Field('outcome', 'scalar', 'str', False, default=''),
    ),
    'TypeStats': (
        Field('type', 'scalar', 'str', True),
        Field('tasks', 'scalar', 'int', False, min=0, default=0),
        Field('started', 'scalar', 'int', False, min=0, default=0),
        Field('finished', 'scalar', 'int', False, min=0, default=0),
        Field('wait_p50_ms', 'scalar', 'num', False, min=0, max=1000000000000000.0, default=0.0),
        Field('wait_p95_ms', 'scalar', 'num', False, min=0, max=1000000000000000.0, default=0.0),
        Field('run_p50_ms', 'scalar', 'num', False, min=0, max=1000000000000000.0, default=0.0),
        Field('run_p95_ms', 'scalar', 'num', False, min=0, max=1000000000000000.0, default=0.0),
    ),
    'WaitingClass': (
        Field('capabilities', 'list', 'str', False, default=[]),
        Field('tasks', 'scalar', 'int', False, min=0, default=0),
        Field('oldest_wait_ms', 'scalar', 'int', False, min=0, default=0),
    ),
    'AuditEntry': (
        Field('seq', 'scalar', 'int', True, min=1, max=INT64_MAX),
        Field('time_ms', 'scalar', 'int', True, min=0, max=INT64_MAX),
        Field('principal', 'scalar', 'str', False, max_bytes=MAX_AUDIT_FIELD_BYTES, default=''),
        Field('action', 'scalar', 'str', False, max_bytes=MAX_AUDIT_FIELD_BYTES, default=''),
        Field('target', 'scalar', 'str', False, max_bytes=MAX_AUDIT_FIELD_BYTES, default=''),
        Field('outcome', 'scalar', 'str', False, max_bytes=MAX_AUDIT_FIELD_BYTES, default=''),
        Field('detail', 'scalar', 'str', False, max_bytes=MAX_AUDIT_FIELD_BYTES, default=''),
        Field('prev_hash', 'scalar', 'str', False, max_bytes=64, default=''),
        Field('hash', 'scalar', 'str', False, max_bytes=64, default=''),
    ),
    'ScheduleSpec': (
        Field('schedule_id', 'scalar', 'str', False, max_bytes=64, default=''),
        Field('name', 'scalar', 'str', True, min_bytes=1),
        Field('cron', 'scalar', 'str', False, default=''),
        Field('time_zone', 'scalar', 'str', False, default='UTC'),
        Field('interval_ms', 'scalar', 'int', False, min=0, max=MAX_RETENTION_MS, default=0),
        Field('start_ms', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('task', 'record', 'TaskSpec', False),
        Field('workflow', 'record', 'WorkflowSpec', False),
        Field('overlap', 'scalar', 'str', False, default='skip'),
        Field('catchup', 'scalar', 'str', False, default='none'),
        Field('catchup_window_ms', 'scalar', 'int', False, min=0, max=604800000, default=3600000),
        Field('paused', 'scalar', 'bool', False, default=False),
        Field('namespace', 'scalar', 'str', False, max_bytes=MAX_NAMESPACE_BYTES, default='default'),
    ),
    'ScheduleView': (
        Field('schedule_id', 'scalar', 'str', True, max_bytes=64),
        Field('spec', 'record', 'ScheduleSpec', True),
        Field('state', 'scalar', 'str', True),
        Field('next_fire_ms', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('last_tick_ms', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('last_fired_id', 'scalar', 'str', False, default=''),
        Field('last_fired_tick_ms', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('pending_tick_ms', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('fired', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('skipped', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('last_error', 'scalar', 'str', False, max_bytes=MAX_TEXT_BYTES, default=''),
        Field('created_ms', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
    ),
    'LimitView': (
        Field('pattern', 'scalar', 'str', True, min_bytes=1, max_bytes=129),
        Field('max_running', 'scalar', 'int', False, min=0, max=MAX_LIMIT_COUNT, default=0),
        Field('rate', 'scalar', 'int', False, min=0, max=MAX_LIMIT_COUNT, default=0),
        Field('period_ms', 'scalar', 'int', False, min=0, max=MAX_LIMIT_PERIOD_MS, default=0),
        Field('running', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('keys_held', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('waiting', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
    ),
    'NamespaceView': (
        Field('namespace', 'scalar', 'str', True, max_bytes=MAX_NAMESPACE_BYTES),
        Field('weight', 'scalar', 'num', False, min=0.001, max=1000, default=1.0),
        Field('on_exhausted', 'scalar', 'str', False, default='fail'),
        Field('configured', 'scalar', 'bool', False, default=False),
        Field('counts', 'map', 'int', False, default={}),
        Field('slots', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
    ),
}

BODIES = {
    MsgType.ERROR: (
        Field('code', 'scalar', 'int', True),
        Field('message', 'scalar', 'str', False, max_bytes=MAX_ERROR_BYTES, default=''),
    ),
    MsgType.REGISTER: (
        Field('agent', 'record', 'AgentSpec', True),
        Field('instance', 'scalar', 'str', False, default=''),
    ),
    MsgType.REGISTER_OK: (
        Field('heartbeat_ms', 'scalar', 'int', True, min=1, max=MAX_HEARTBEAT_MS),
        Field('liveness', 'scalar', 'int', False, min=1, max=MAX_LIVENESS, default=3),
        Field('replaced', 'scalar', 'bool', False, default=False),
    ),
    MsgType.HEARTBEAT: (
        Field('agent_id', 'scalar', 'str', True),
        Field('load', 'scalar', 'int', False, min=0, max=MAX_CAPACITY, default=0),
        Field('resources', 'record', 'AgentResources', False),
    ),
    MsgType.HEARTBEAT_OK: (
    ),
    MsgType.DEREGISTER: (
        Field('agent_id', 'scalar', 'str', True),
    ),
    MsgType.DEREGISTER_OK: (
    ),
    MsgType.LIST_AGENTS: (
    ),
    MsgType.AGENT_LIST: (
        Field('agents', 'list', 'AgentView', True, max_items=1048576, default=[]),
    ),
    MsgType.DISCOVER: (
    ),
    MsgType.DISCOVERY: (
        Field('scheduler_client', 'scalar', 'str', False, default=''),
        Field('scheduler_agent', 'scalar', 'str', False, default=''),
        Field('events_pub', 'scalar', 'str', False, default=''),
        Field('events_sub', 'scalar', 'str', False, default=''),
        Field('consensus', 'scalar', 'str', False, default=''),
    ),
    MsgType.ANNOUNCE: (
        Field('service', 'scalar', 'str', True),
        Field('endpoints', 'map', 'str', True, max_items=MAX_ENDPOINTS),
        Field('id', 'scalar', 'int', False, min=1, max=INT64_MAX, default=0),
        Field('role', 'scalar', 'str', False, default='single'),
        Field('term', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('commit_index', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('applied_index', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
    ),
    MsgType.ANNOUNCE_OK: (
        Field('scheduler_client', 'scalar', 'str', False, default=''),
        Field('scheduler_agent', 'scalar', 'str', False, default=''),
        Field('events_pub', 'scalar', 'str', False, default=''),
        Field('events_sub', 'scalar', 'str', False, default=''),
        Field('consensus', 'scalar', 'str', False, default=''),
    ),
    MsgType.CLUSTER_STATUS: (
    ),
    MsgType.CLUSTER_INFO: (
        Field('registry', 'scalar', 'str', True),
        Field('events_pub', 'scalar', 'str', False, default=''),
        Field('events_sub', 'scalar', 'str', False, default=''),
        Field('instance', 'scalar', 'str', False, default=''),
        Field('started_ms', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('agents_up', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('scheduler', 'list', 'Replica', False, max_items=MAX_REPLICAS_LISTED, default=[]),
        Field('consensus', 'list', 'Replica', False, max_items=MAX_REPLICAS_LISTED, default=[]),
    ),
    MsgType.SUBMIT: (
        Field('task', 'record', 'TaskSpec', True),
    ),
    MsgType.SUBMIT_OK: (
        Field('task_id', 'scalar', 'str', True),
        Field('duplicate', 'scalar', 'bool', False, default=False),
    ),
    MsgType.GET_TASK: (
        Field('task_id', 'scalar', 'str', True),
    ),
    MsgType.TASK_INFO: (
        Field('task', 'record', 'TaskView', True),
    ),
    MsgType.WAIT_TASK: (
        Field('task_id', 'scalar', 'str', True),
        Field('timeout_ms', 'scalar', 'int', False, min=0, max=MAX_WAIT_MS, default=30000),
    ),
    MsgType.SUBMIT_BATCH: (
        Field('tasks', 'list', 'BatchEntry', True, min_items=1, max_items=MAX_BATCH_TASKS, default=[]),
        Field('consensus', 'record', 'ConsensusGate', False),
    ),
    MsgType.SUBMIT_BATCH_OK: (
        Field('task_ids', 'map', 'str', True, max_items=MAX_BATCH_TASKS),
        Field('duplicate', 'scalar', 'bool', False, default=False),
    ),
    MsgType.CANCEL: (
        Field('task_id', 'scalar', 'str', True),
        Field('reason', 'scalar', 'str', False, max_bytes=MAX_TEXT_BYTES, default=''),
    ),
    MsgType.CANCEL_OK: (
        Field('task_id', 'scalar', 'str', True),
        Field('state', 'scalar', 'int', True, min=0, max=8),
        Field('also_ended', 'list', 'str', False, max_items=MAX_BATCH_TASKS, default=[]),
    ),
    MsgType.REPRIORITIZE: (
        Field('task_id', 'scalar', 'str', True),
        Field('priority', 'scalar', 'int', True, min=1, max=5),
    ),
    MsgType.REPRIORITIZE_OK: (
        Field('task_id', 'scalar', 'str', True),
        Field('priority', 'scalar', 'int', True, min=1, max=5),
        Field('effective_priority', 'scalar', 'int', False, min=0, max=5, default=0),
    ),
    MsgType.LIST_TASKS: (
        Field('states', 'list', 'int', False, min=1, max=8, max_items=MAX_FILTER_VALUES, default=[]),
        Field('types', 'list', 'str', False, default=[]),
        Field('priorities', 'list', 'int', False, min=1, max=5, max_items=MAX_FILTER_VALUES, default=[]),
        Field('limit', 'scalar', 'int', False, min=1, max=MAX_WAIT_TASKS, default=100),
        Field('after', 'scalar', 'str', False, default=''),
        Field('namespace', 'scalar', 'str', False, max_bytes=MAX_NAMESPACE_BYTES, default=''),
    ),
    MsgType.TASK_LIST: (
        Field('tasks', 'list', 'TaskView', True, max_items=MAX_WAIT_TASKS, default=[]),
        Field('next', 'scalar', 'str', False, default=''),
    ),
    MsgType.WAIT_TASKS: (
        Field('task_ids', 'list', 'str', True, min_items=1, max_items=MAX_WAIT_TASKS, default=[]),
        Field('timeout_ms', 'scalar', 'int', False, min=0, max=MAX_WAIT_MS, default=30000),
    ),
    MsgType.DRAIN_AGENT: (
        Field('agent_id', 'scalar', 'str', True),
    ),
    MsgType.DRAIN_AGENT_OK: (
        Field('agent_id', 'scalar', 'str', True),
        Field('running', 'scalar', 'int', False, min=0, max=MAX_CAPACITY, default=0),
    ),
    MsgType.DRAIN: (
        Field('reason', 'scalar', 'str', False, max_bytes=MAX_TEXT_BYTES, default=''),
    ),
    MsgType.AGENT_STATS: (
    ),
    MsgType.AGENT_STATS_OK: (
        Field('agents', 'list', 'AgentPerf', True, max_items=1000000, default=[]),
    ),
    MsgType.ATTACH: (
        Field('agent', 'record', 'AgentSpec', True),
        Field('instance', 'scalar', 'str', False, default=''),
        Field('running', 'list', 'TaskRef', False, max_items=MAX_CAPACITY, default=[]),
    ),
    MsgType.ATTACH_OK: (
        Field('heartbeat_ms', 'scalar', 'int', True, min=1, max=MAX_HEARTBEAT_MS),
        Field('liveness', 'scalar', 'int', False, min=1, max=MAX_LIVENESS, default=3),
    ),
    MsgType.AGENT_HEARTBEAT: (
        Field('agent_id', 'scalar', 'str', True),
        Field('running', 'list', 'TaskRef', False, max_items=MAX_CAPACITY, default=[]),
        Field('draining', 'scalar', 'bool', False, default=False),
    ),
    MsgType.AGENT_HEARTBEAT_OK: (
    ),
    MsgType.ASSIGN: (
        Field('task_id', 'scalar', 'str', True),
        Field('attempt', 'scalar', 'int', True, min=1, max=MAX_ATTEMPT),
        Field('type', 'scalar', 'str', True),
        Field('input', 'scalar', 'any', False),
        Field('metadata', 'scalar', 'map', False, default={}),
        Field('timeout_ms', 'scalar', 'int', False, min=0, max=MAX_TIMEOUT_MS, default=0),
        Field('deps', 'scalar', 'map', False, default={}),
    ),
    MsgType.TASK_PROGRESS: (
        Field('task_id', 'scalar', 'str', True),
        Field('attempt', 'scalar', 'int', True, min=1, max=MAX_ATTEMPT),
        Field('progress', 'scalar', 'num', False, min=0, max=100, default=0.0),
        Field('message', 'scalar', 'str', False, max_bytes=MAX_TEXT_BYTES, default=''),
    ),
    MsgType.TASK_RESULT: (
        Field('task_id', 'scalar', 'str', True),
        Field('attempt', 'scalar', 'int', True, min=1, max=MAX_ATTEMPT),
        Field('ok', 'scalar', 'bool', True),
        Field('output', 'scalar', 'any', False, max_bytes=MAX_INPUT_BYTES),
        Field('error', 'scalar', 'str', False, max_bytes=MAX_ERROR_BYTES, default=''),
    ),
    MsgType.RESULT_OK: (
        Field('task_id', 'scalar', 'str', True),
        Field('attempt', 'scalar', 'int', True, min=0, max=MAX_ATTEMPT),
        Field('accepted', 'scalar', 'bool', False, default=True),
    ),
    MsgType.CANCEL_TASK: (
        Field('task_id', 'scalar', 'str', True),
        Field('attempt', 'scalar', 'int', True, min=0, max=MAX_ATTEMPT),
        Field('reason', 'scalar', 'str', False, max_bytes=MAX_TEXT_BYTES, default=''),
    ),
    MsgType.DETACH: (
        Field('agent_id', 'scalar', 'str', True),
    ),
    MsgType.PROPOSE: (
        Field('proposer', 'scalar', 'str', False, default=''),
        Field('type', 'scalar', 'str', True, min_bytes=1),
        Field('data', 'scalar', 'any', False, max_bytes=MAX_INPUT_BYTES),
        Field('capability', 'scalar', 'str', False, default=''),
        Field('namespace', 'scalar', 'str', False, max_bytes=MAX_NAMESPACE_BYTES, default='default'),
        Field('consensus_type', 'scalar', 'int', False, min=1, max=5, default=1),
        Field('voters', 'list', 'Voter', False, max_items=MAX_VOTERS, default=[]),
        Field('timeout_ms', 'scalar', 'int', False, min=1, max=MAX_TIMEOUT_MS, default=60000),
        Field('result_ttl_ms', 'scalar', 'int', False, min=0, max=MAX_PROPOSAL_RETENTION_MS, default=0),
    ),
    MsgType.PROPOSE_OK: (
        Field('proposal_id', 'scalar', 'str', True),
        Field('outcome', 'scalar', 'int', False, min=0, max=4, default=1),
        Field('duplicate', 'scalar', 'bool', False, default=False),
    ),
    MsgType.VOTE: (
        Field('proposal_id', 'scalar', 'str', True),
        Field('agent_id', 'scalar', 'str', True),
        Field('vote', 'scalar', 'str', True),
        Field('signature', 'scalar', 'str', True, max_bytes=128),
    ),
    MsgType.VOTE_OK: (
        Field('proposal_id', 'scalar', 'str', True),
        Field('agent_id', 'scalar', 'str', True),
        Field('outcome', 'scalar', 'int', False, min=0, max=4, default=1),
        Field('duplicate', 'scalar', 'bool', False, default=False),
    ),
    MsgType.GET_PROPOSAL: (
        Field('proposal_id', 'scalar', 'str', True),
    ),
    MsgType.PROPOSAL_INFO: (
        Field('proposal', 'record', 'ProposalView', True),
    ),
    MsgType.WAIT_PROPOSAL: (
        Field('proposal_id', 'scalar', 'str', True),
        Field('timeout_ms', 'scalar', 'int', False, min=0, max=MAX_WAIT_MS, default=30000),
    ),
    MsgType.ACQUIRE_LEASE: (
        Field('name', 'scalar', 'str', True, min_bytes=1),
        Field('holder', 'scalar', 'str', True, min_bytes=1),
        Field('ttl_ms', 'scalar', 'int', True, min=1, max=MAX_LEASE_TTL_MS),
    ),
    MsgType.RENEW_LEASE: (
        Field('name', 'scalar', 'str', True, min_bytes=1),
        Field('holder', 'scalar', 'str', True, min_bytes=1),
        Field('ttl_ms', 'scalar', 'int', True, min=1, max=MAX_LEASE_TTL_MS),
    ),
    MsgType.RELEASE_LEASE: (
        Field('name', 'scalar', 'str', True, min_bytes=1),
        Field('holder', 'scalar', 'str', True, min_bytes=1),
    ),
    MsgType.LEASE_INFO: (
        Field('lease', 'record', 'LeaseView', True),
        Field('granted', 'scalar', 'bool', False, default=False),
    ),
    MsgType.GET_LEASE: (
        Field('name', 'scalar', 'str', True),
    ),
    MsgType.GET_REPLICA: (
        Field('digest', 'scalar', 'bool', False, default=False),
    ),
    MsgType.REPLICA_INFO: (
        Field('replica_id', 'scalar', 'str', True),
        Field('role', 'scalar', 'str', True),
        Field('leader_id', 'scalar', 'str', False, default=''),
        Field('leader_client', 'scalar', 'str', False, default=''),
        Field('term', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('applied', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('proposals', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('commit_index', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('tasks', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('digest', 'scalar', 'str', False, max_bytes=64, default=''),
    ),
    MsgType.PROPOSAL_STATS: (
    ),
    MsgType.PROPOSAL_STATS_OK: (
        Field('total', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('by_outcome', 'map', 'int', False, default={}),
        Field('by_type', 'map', 'Counts', False, max_items=MAX_STATS_KEYS, default={}),
    ),
    MsgType.CHANGE_REPLICAS: (
        Field('op', 'scalar', 'str', True),
        Field('id', 'scalar', 'int', True, min=1, max=INT64_MAX),
        Field('address', 'scalar', 'str', False, default=''),
    ),
    MsgType.CHANGE_REPLICAS_OK: (
        Field('op', 'scalar', 'str', True),
        Field('id', 'scalar', 'int', True, min=1, max=INT64_MAX),
        Field('address', 'scalar', 'str', False, default=''),
    ),
    MsgType.EVENT: (
        Field('topic', 'scalar', 'str', True),
        Field('publisher', 'scalar', 'str', False, default=''),
        Field('epoch', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('seq', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('ts_ms', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('data', 'scalar', 'map', False, default={}),
    ),
    MsgType.WORKFLOW_RUN: (
        Field('workflow', 'record', 'WorkflowSpec', True),
    ),
    MsgType.WORKFLOW_RUN_OK: (
        Field('workflow_id', 'scalar', 'str', True),
        Field('task_ids', 'map', 'str', True, max_items=MAX_WORKFLOW_STEPS),
        Field('duplicate', 'scalar', 'bool', False, default=False),
    ),
    MsgType.GET_WORKFLOW: (
        Field('workflow_id', 'scalar', 'str', True),
    ),
    MsgType.WORKFLOW_INFO: (
        Field('workflow', 'record', 'WorkflowView', True),
    ),
    MsgType.CANCEL_WORKFLOW: (
        Field('workflow_id', 'scalar', 'str', True),
        Field('reason', 'scalar', 'str', False, max_bytes=MAX_TEXT_BYTES, default=''),
    ),
    MsgType.CANCEL_WORKFLOW_OK: (
        Field('workflow_id', 'scalar', 'str', True),
        Field('state', 'scalar', 'int', True, min=0, max=4),
        Field('ended', 'list', 'str', False, max_items=MAX_WORKFLOW_STEPS, default=[]),
    ),
    MsgType.RETRY_WORKFLOW: (
        Field('workflow_id', 'scalar', 'str', True),
    ),
    MsgType.RETRY_WORKFLOW_OK: (
        Field('workflow_id', 'scalar', 'str', True),
        Field('state', 'scalar', 'int', True, min=0, max=4),
        Field('run', 'scalar', 'int', False, min=1, max=MAX_RUN, default=1),
        Field('retried', 'list', 'str', False, max_items=MAX_WORKFLOW_STEPS, default=[]),
    ),
    MsgType.SCHEDULER_STATS: (
        Field('namespace', 'scalar', 'str', False, max_bytes=MAX_NAMESPACE_BYTES, default=''),
    ),
    MsgType.SCHEDULER_STATS_OK: (
        Field('total', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('by_state', 'map', 'int', False, default={}),
        Field('by_priority', 'map', 'int', False, default={}),
        Field('types', 'list', 'TypeStats', False, max_items=MAX_STATS_ROWS, default=[]),
        Field('waiting', 'list', 'WaitingClass', False, max_items=MAX_STATS_ROWS, default=[]),
        Field('retention_ms', 'scalar', 'int', False, min=0, max=MAX_RETENTION_MS, default=0),
        Field('namespace', 'scalar', 'str', False, max_bytes=MAX_NAMESPACE_BYTES, default=''),
        Field('by_namespace', 'map', 'Counts', False, max_items=MAX_NAMESPACES_LISTED, default={}),
    ),
    MsgType.RETRY_PARKED: (
        Field('task_ids', 'list', 'str', False, max_items=MAX_WAIT_TASKS, default=[]),
        Field('type', 'scalar', 'str', False, default=''),
    ),
    MsgType.RETRY_PARKED_OK: (
        Field('count', 'scalar', 'int', False, min=0, max=MAX_WAIT_TASKS, default=0),
        Field('task_ids', 'list', 'str', False, max_items=MAX_WAIT_TASKS, default=[]),
        Field('more', 'scalar', 'bool', False, default=False),
    ),
    MsgType.DISCARD_PARKED: (
        Field('task_ids', 'list', 'str', False, max_items=MAX_WAIT_TASKS, default=[]),
        Field('type', 'scalar', 'str', False, default=''),
        Field('reason', 'scalar', 'str', False, max_bytes=MAX_TEXT_BYTES, default=''),
    ),
    MsgType.DISCARD_PARKED_OK: (
        Field('count', 'scalar', 'int', False, min=0, max=MAX_WAIT_TASKS, default=0),
        Field('task_ids', 'list', 'str', False, max_items=MAX_WAIT_TASKS, default=[]),
        Field('more', 'scalar', 'bool', False, default=False),
        Field('also_ended', 'list', 'str', False, max_items=MAX_BATCH_TASKS, default=[]),
    ),
    MsgType.AUDIT_LIST: (
        Field('from_seq', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('since_ms', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('limit', 'scalar', 'int', False, min=1, max=MAX_AUDIT_PAGE, default=100),
    ),
    MsgType.AUDIT_LIST_OK: (
        Field('records', 'list', 'AuditEntry', False, max_items=MAX_AUDIT_PAGE, default=[]),
        Field('next_seq', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('first_seq', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('last_seq', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('enabled', 'scalar', 'bool', False, default=True),
    ),
    MsgType.EVENT_HISTORY: (
        Field('epoch', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('seq', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('topics', 'list', 'str', False, max_items=16, default=[]),
        Field('limit', 'scalar', 'int', False, min=1, max=MAX_EVENT_PAGE, default=500),
    ),
    MsgType.EVENT_HISTORY_OK: (
        Field('events', 'scalar', 'any', False, max_bytes=MAX_EVENT_PAGE_BYTES, default=[]),
        Field('complete', 'scalar', 'bool', False, default=True),
        Field('missed', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('next_epoch', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('next_seq', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('more', 'scalar', 'bool', False, default=False),
        Field('held', 'scalar', 'int', False, min=0, max=INT64_MAX, default=0),
        Field('enabled', 'scalar', 'bool', False, default=True),
    ),
    MsgType.SCHEDULE_CREATE: (
        Field('schedule', 'record', 'ScheduleSpec', True),
    ),
    MsgType.SCHEDULE_INFO: (
        Field('schedule', 'record', 'ScheduleView', True),
        Field('duplicate', 'scalar', 'bool', False, default=False),
    ),
    MsgType.SCHEDULE_LIST: (
        Field('limit', 'scalar', 'int', False, min=1, max=1000, default=100),
        Field('after', 'scalar', 'str', False, max_bytes=64, default=''),
        Field('namespace', 'scalar', 'str', False, max_bytes=MAX_NAMESPACE_BYTES, default=''),
    ),
    MsgType.SCHEDULE_LIST_OK: (
        Field('schedules', 'list', 'ScheduleView', True, max_items=1000, default=[]),
        Field('next', 'scalar', 'str', False, max_bytes=64, default=''),
    ),
    MsgType.SCHEDULE_PAUSE: (
        Field('schedule_id', 'scalar', 'str', True, max_bytes=64),
    ),
    MsgType.SCHEDULE_RESUME: (
        Field('schedule_id', 'scalar', 'str', True, max_bytes=64),
    ),
    MsgType.SCHEDULE_DELETE: (
        Field('schedule_id', 'scalar', 'str', True, max_bytes=64),
    ),
    MsgType.SCHEDULE_DELETE_OK: (
        Field('schedule_id', 'scalar', 'str', True, max_bytes=64),
    ),
    MsgType.SCHEDULE_TRIGGER: (
        Field('schedule_id', 'scalar', 'str', True, max_bytes=64),
    ),
    MsgType.SCHEDULE_TRIGGER_OK: (
        Field('schedule_id', 'scalar', 'str', True, max_bytes=64),
        Field('fired_id', 'scalar', 'str', True),
        Field('idempotency_key', 'scalar', 'str', True, max_bytes=1024),
    ),
    MsgType.SET_LIMIT: (
        Field('pattern', 'scalar', 'str', True, min_bytes=1, max_bytes=129),
        Field('max_running', 'scalar', 'int', False, min=0, max=MAX_LIMIT_COUNT, default=0),
        Field('rate', 'scalar', 'int', False, min=0, max=MAX_LIMIT_COUNT, default=0),
        Field('period_ms', 'scalar', 'int', False, min=0, max=MAX_LIMIT_PERIOD_MS, default=0),
    ),
    MsgType.LIMIT_OK: (
        Field('limit', 'record', 'LimitView', True),
    ),
    MsgType.DELETE_LIMIT: (
        Field('pattern', 'scalar', 'str', True, min_bytes=1, max_bytes=129),
    ),
    MsgType.DELETE_LIMIT_OK: (
        Field('pattern', 'scalar', 'str', True, min_bytes=1, max_bytes=129),
    ),
    MsgType.LIST_LIMITS: (
        Field('limit', 'scalar', 'int', False, min=1, max=1000, default=1000),
        Field('after', 'scalar', 'str', False, max_bytes=129, default=''),
    ),
    MsgType.LIMIT_LIST: (
        Field('limits', 'list', 'LimitView', True, max_items=1000, default=[]),
        Field('next', 'scalar', 'str', False, max_bytes=129, default=''),
    ),
    MsgType.SET_NAMESPACE: (
        Field('namespace', 'scalar', 'str', True, max_bytes=MAX_NAMESPACE_BYTES),
        Field('weight', 'scalar', 'num', False, min=0.001, max=1000, default=1.0),
        Field('on_exhausted', 'scalar', 'str', False, default='fail'),
    ),
    MsgType.NAMESPACE_OK: (
        Field('namespace', 'record', 'NamespaceView', True),
    ),
    MsgType.LIST_NAMESPACES: (
    ),
    MsgType.NAMESPACE_LIST: (
        Field('namespaces', 'list', 'NamespaceView', True, max_items=MAX_NAMESPACES_LISTED, default=[]),
        Field('more', 'scalar', 'bool', False, default=False),
    ),
    MsgType.DELETE_NAMESPACE: (
        Field('namespace', 'scalar', 'str', True, max_bytes=MAX_NAMESPACE_BYTES),
    ),
}
