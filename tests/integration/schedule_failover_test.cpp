// Schedules on 3 orion-scheduler Raft replicas as real processes (protocol.md section 17): a
// schedule that ticks every second goes on firing across a kill -9 of the leader, and every
// tick of the window watched has exactly one task (counted by the idempotency keys
// schedule:<id>:<tick_ms>), none twice and none lost: the ticks the failover missed are caught
// up (catch-up `all`) by the new leader.
#include <gtest/gtest.h>

#include <map>

#include "common/clock.h"

#include "common/schedule_messages.h"
#include "tests/integration/scheduler_replicas.h"

namespace orion::testing {
namespace {

// Ticks are wall clock instants (now_ms() is the steady clock).
std::int64_t wall_ms() { return SystemClock().wall_ms(); }

class ScheduleFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override { cluster.start_registry(); }
  void TearDown() override {
    if (HasFailure()) std::cerr << cluster.logs() << (replicas ? replicas->logs() : "");
  }

  // The schedule's tasks by their tick, read from the leader (every page): tick -> tasks.
  std::optional<std::map<std::int64_t, int>> ticks(sdk::Client& client, const std::string& schedule_id) {
    std::map<std::int64_t, int> out;
    const std::string prefix = "schedule:" + schedule_id + ":";
    ListTasks q;
    q.limit = 1000;
    while (true) {
      auto page = client.list(q);
      if (!page) return std::nullopt;
      for (const auto& t : page->tasks) {
        const std::string& key = t.spec.idempotency_key;
        if (key.rfind(prefix, 0) != 0) continue;
        EXPECT_EQ(t.spec.metadata.value("schedule_id", ""), schedule_id);
        EXPECT_EQ(t.spec.metadata.value("schedule_tick_ms", ""), key.substr(prefix.size()));
        ++out[std::stoll(key.substr(prefix.size()))];
      }
      if (page->next.empty()) return out;
      q.after = page->next;
    }
  }

  Cluster cluster;
  std::unique_ptr<SchedulerReplicas> replicas;
};

TEST_F(ScheduleFailoverTest, ASecondlyScheduleFiresEachTickExactlyOnceAcrossAKillOfTheLeader) {
  replicas = std::make_unique<SchedulerReplicas>(cluster, 3);
  auto leader = replicas->wait_leader(10'000);
  ASSERT_TRUE(leader);
  auto options = cluster.client_options();
  options.call_timeout_ms = 30'000;
  options.request_timeout_ms = 500;
  sdk::Client client(options);

  ScheduleSpec spec;
  spec.name = "every-second";
  spec.interval_ms = 1000;
  spec.start_ms = (wall_ms() / 1000 + 1) * 1000;  // on whole seconds
  spec.overlap = "allow";                        // no agent runs them: every task stays PENDING
  spec.catchup = "all";
  spec.catchup_window_ms = 120'000;
  spec.task = TaskSpec{};
  spec.task->type = "tick";
  spec.task->capabilities = {"nobody-has-this"};
  auto created = client.create_schedule(spec);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  const std::string id = created->schedule_id;
  const std::int64_t first = created->next_fire_ms;
  EXPECT_EQ(first, spec.start_ms);

  // A few ticks under the first leader.
  ASSERT_TRUE(wait_until([&] { auto t = ticks(client, id); return t && t->size() >= 3; }, 15'000));
  replicas->kill9(*leader);
  const std::int64_t killed_at = wall_ms();
  auto next = replicas->wait_leader(15'000, *leader);
  ASSERT_TRUE(next) << "no new leader";
  replicas->start(*leader);  // back as a follower, with its data
  // Ticks under the new leader, well past the failover.
  const std::int64_t until = wall_ms() + 3000;
  std::map<std::int64_t, int> seen;
  ASSERT_TRUE(wait_until(
      [&] {
        auto t = ticks(client, id);
        if (!t || t->empty() || t->rbegin()->first < until) return false;
        seen = *t;
        return true;
      },
      20'000));

  // Every tick from the first to the last seen: exactly one task each.
  const std::int64_t last = seen.rbegin()->first;
  ASSERT_GE(last, killed_at);
  std::vector<std::string> wrong;
  for (std::int64_t tick = first; tick <= last; tick += 1000) {
    auto it = seen.find(tick);
    const int n = it == seen.end() ? 0 : it->second;
    if (n != 1) wrong.push_back(std::to_string(tick) + ": " + std::to_string(n) + " tasks");
  }
  EXPECT_TRUE(wrong.empty()) << wrong.size() << " ticks wrong, first " << wrong.front();
  EXPECT_EQ(seen.size(), static_cast<std::size_t>((last - first) / 1000 + 1)) << "a task off the ticks";

  // The schedule as the new leader holds it agrees.
  auto listed = client.list_schedules();
  ASSERT_TRUE(listed.ok()) << listed.error().to_string();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_GE((*listed)[0].last_tick_ms, last);
}

}  // namespace
}  // namespace orion::testing
