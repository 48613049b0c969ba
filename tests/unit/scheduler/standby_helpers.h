// Helpers shared by the hot-standby tests (standby_test.cpp, replicated_scheduler_test.cpp):
// task specs, an agent attached by hand, the tasks a core assigned, and the comparison of two
// cores that applied the same records.
//
//   auto a = core.submit("ra", standby::spec())->task_id;
//   standby::attach(core, "w1");
//   core.tick();
//   EXPECT_EQ(standby::assigned(core), std::vector<std::string>{a});
//   standby::expect_same(leader, follower);
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/task_codec.h"

namespace orion::scheduler::standby {

inline TaskSpec spec(std::vector<std::string> deps = {}, int retries = 0) {
  TaskSpec s;
  s.type = "echo";
  s.capabilities = {"text"};
  s.input = {{"n", 1}};
  s.depends_on = std::move(deps);
  s.retries = retries;
  s.retry.initial_ms = 500;
  return s;
}

inline void attach(SchedulerCore& core, const std::string& id, int capacity = 1) {
  AgentSpec a;
  a.agent_id = id;
  a.capabilities = {"text"};
  a.capacity = capacity;
  a.public_key = std::string(64, 'a');  // it may vote on gates
  core.attach("ident-" + id, a);
}

// The ids of the tasks ASSIGNed since the last call (the outbox is cleared).
inline std::vector<std::string> assigned(SchedulerCore& core) {
  std::vector<std::string> out;
  for (auto& m : core.outbox().to_agents) {
    if (m.envelope.type == MsgType::ASSIGN) out.push_back(Assign::from_body(body_of(m.envelope))->task_id);
  }
  core.outbox().clear();
  return out;
}

// `copy` holds every task of `original` as its record encodes it, with the same unmet
// dependencies, and as many ready tasks.
inline void expect_same(const SchedulerCore& original, const SchedulerCore& copy) {
  ASSERT_EQ(original.task_count(), copy.task_count());
  for (const auto& [seq, t] : original.tasks()) {
    const TaskRecord* c = copy.task(seq);
    ASSERT_NE(c, nullptr) << t.task_id();
    EXPECT_EQ(encode_task_record(*c), encode_task_record(t)) << t.task_id();
    EXPECT_EQ(c->unmet, t.unmet) << t.task_id();
  }
  EXPECT_EQ(copy.ready_count(), original.ready_count());
}

}  // namespace orion::scheduler::standby
