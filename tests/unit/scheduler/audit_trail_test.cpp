// The scheduler's audit records (audit_trail.h): which requests are recorded, and what a record
// says, from the request and its reply: the target from the reply or the body, the outcome from
// an ERROR reply's code with its message, the handler's note for a batch.
#include "services/scheduler/audit_trail.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/messages.h"

namespace orion::scheduler {
namespace {

TEST(AuditTrailTest, OnlyRequestsThatChangeStateAreRecorded) {
  for (MsgType t : {MsgType::SUBMIT, MsgType::SUBMIT_BATCH, MsgType::CANCEL, MsgType::REPRIORITIZE, MsgType::DRAIN_AGENT,
                    MsgType::WORKFLOW_RUN, MsgType::CANCEL_WORKFLOW, MsgType::RETRY_WORKFLOW, MsgType::CHANGE_REPLICAS,
                    MsgType::ATTACH, MsgType::DETACH}) {
    EXPECT_NE(audit_action(t), nullptr) << to_string(t);
  }
  for (MsgType t : {MsgType::GET_TASK, MsgType::LIST_TASKS, MsgType::WAIT_TASK, MsgType::WAIT_TASKS, MsgType::AUDIT_LIST,
                    MsgType::AGENT_HEARTBEAT, MsgType::TASK_PROGRESS, MsgType::TASK_RESULT, MsgType::SCHEDULER_STATS}) {
    EXPECT_EQ(audit_action(t), nullptr) << to_string(t);
  }
  EXPECT_STREQ(audit_action(MsgType::ATTACH), "register");
}

TEST(AuditTrailTest, ARecordNamesTheTargetAndTheOutcomeOfItsReply) {
  ManualClock clock;
  TaskSpec spec;
  spec.type = "compile";
  const Envelope submit{MsgType::SUBMIT, "r1", SubmitTask{spec}.to_body()};
  const Envelope ok{MsgType::SUBMIT_OK, "r1", Json{{"task_id", "t7"}}};
  AuditEvent ev = audit_event(submit, &ok, "ci", clock.wall_ms());
  EXPECT_EQ(ev.time_ms, clock.wall_ms());
  EXPECT_EQ(ev.principal, "ci");
  EXPECT_EQ(ev.action, "submit");
  EXPECT_EQ(ev.target, "t7");
  EXPECT_EQ(ev.outcome, "OK");
  EXPECT_EQ(ev.detail, "type=compile");

  const Envelope denied = error_envelope("r1", make_error(ErrorCode::PERMISSION_DENIED, "principal ci may not submit"));
  ev = audit_event(submit, &denied, "ci", clock.wall_ms(), "ignored on a refusal");
  EXPECT_EQ(ev.target, "");
  EXPECT_EQ(ev.outcome, "PERMISSION_DENIED");
  EXPECT_EQ(ev.detail, "principal ci may not submit");

  const Envelope cancel{MsgType::CANCEL, "r2", Cancel{"t3", "bad data"}.to_body()};
  const Envelope cancelled{MsgType::CANCEL_OK, "r2", Json::object()};
  ev = audit_event(cancel, &cancelled, "ops", clock.wall_ms());
  EXPECT_EQ(ev.target, "t3");
  EXPECT_EQ(ev.detail, "bad data");
  const Envelope missing = error_envelope("r2", make_error(ErrorCode::NOT_FOUND, "task t3 does not exist"));
  ev = audit_event(cancel, &missing, "ops", clock.wall_ms());
  EXPECT_EQ(ev.target, "t3");
  EXPECT_EQ(ev.outcome, "NOT_FOUND");

  AgentSpec agent;
  agent.agent_id = "gpu-1";
  const Envelope attach{MsgType::ATTACH, "r3", Json{{"agent", agent.to_json()}}};
  ev = audit_event(attach, nullptr, "gpu-boxes", clock.wall_ms());
  EXPECT_EQ(ev.action, "register");
  EXPECT_EQ(ev.target, "gpu-1");
  EXPECT_EQ(ev.outcome, "OK");

  const Envelope batch{MsgType::SUBMIT_BATCH, "r4", Json::object()};
  const Envelope batch_ok{MsgType::SUBMIT_BATCH_OK, "r4", Json::object()};
  ev = audit_event(batch, &batch_ok, "ci", clock.wall_ms(), "tasks=3 first=t10");
  EXPECT_EQ(ev.detail, "tasks=3 first=t10");
}

}  // namespace
}  // namespace orion::scheduler
