// SCHEDULER_STATS kept as tasks change (live_stats.h, SchedulerCore::stats) against the exact
// recount over every task (task_stats.h): after random sequences of core operations on a leader,
// on a standby fed its records, and on a core restored from them. Simulated time (ManualClock).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "services/scheduler/duration_histogram.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/task_codec.h"
#include "services/scheduler/task_stats.h"

namespace orion::scheduler {
namespace {

void expect_near_rel(double live, double exact, const std::string& what) {
  EXPECT_LE(std::abs(live - exact), DurationHistogram::kRelativeError * exact + 1e-9)
      << what << ": live " << live << " exact " << exact;
}

// Counts equal; percentiles within the histogram's documented error.
void expect_matches(const SchedulerStatsOk& live, const SchedulerStatsOk& exact, const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_EQ(live.total, exact.total);
  EXPECT_EQ(live.by_state, exact.by_state);
  EXPECT_EQ(live.by_priority, exact.by_priority);
  EXPECT_EQ(live.by_namespace, exact.by_namespace);
  ASSERT_EQ(live.types.size(), exact.types.size());
  for (std::size_t i = 0; i < live.types.size(); ++i) {
    const auto &l = live.types[i], &e = exact.types[i];
    ASSERT_EQ(l.type, e.type);
    EXPECT_EQ(l.tasks, e.tasks) << l.type;
    EXPECT_EQ(l.started, e.started) << l.type;
    EXPECT_EQ(l.finished, e.finished) << l.type;
    expect_near_rel(l.wait_p50_ms, e.wait_p50_ms, l.type + " wait p50");
    expect_near_rel(l.wait_p95_ms, e.wait_p95_ms, l.type + " wait p95");
    expect_near_rel(l.run_p50_ms, e.run_p50_ms, l.type + " run p50");
    expect_near_rel(l.run_p95_ms, e.run_p95_ms, l.type + " run p95");
  }
  ASSERT_EQ(live.waiting.size(), exact.waiting.size());
  for (std::size_t i = 0; i < live.waiting.size(); ++i) {
    EXPECT_EQ(live.waiting[i].capabilities, exact.waiting[i].capabilities);
    EXPECT_EQ(live.waiting[i].tasks, exact.waiting[i].tasks);
    EXPECT_EQ(live.waiting[i].oldest_wait_ms, exact.waiting[i].oldest_wait_ms);
  }
}

// The same counts (the percentiles come from the same records, so they are equal too).
void expect_same_counts(const SchedulerStatsOk& a, const SchedulerStatsOk& b, const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_EQ(a.total, b.total);
  EXPECT_EQ(a.by_state, b.by_state);
  EXPECT_EQ(a.by_priority, b.by_priority);
  ASSERT_EQ(a.types.size(), b.types.size());
  for (std::size_t i = 0; i < a.types.size(); ++i) {
    EXPECT_EQ(a.types[i].type, b.types[i].type);
    EXPECT_EQ(a.types[i].tasks, b.types[i].tasks);
    EXPECT_EQ(a.types[i].started, b.types[i].started);
    EXPECT_EQ(a.types[i].finished, b.types[i].finished);
    EXPECT_EQ(a.types[i].run_p95_ms, b.types[i].run_p95_ms);
  }
  ASSERT_EQ(a.waiting.size(), b.waiting.size());
  for (std::size_t i = 0; i < a.waiting.size(); ++i) EXPECT_EQ(a.waiting[i].tasks, b.waiting[i].tasks);
}

TEST(DurationHistogramTest, BinsHoldTheirValuesAndPercentilesAreWithinOnePerCent) {
  EXPECT_EQ(DurationHistogram::bin_of(0), 0);
  EXPECT_EQ(DurationHistogram::bin_of(-5), 0);
  EXPECT_EQ(DurationHistogram::value_of(0), 0);
  for (double v : {1.0, 2.0, 3.0, 49.0, 50.0, 51.0, 999.0, 1000.0, 86'400'000.0}) {
    auto b = DurationHistogram::bin_of(v);
    EXPECT_LE(std::pow(DurationHistogram::kGrowth, b - 1), v) << v;
    EXPECT_GT(std::pow(DurationHistogram::kGrowth, b), v) << v;
    expect_near_rel(DurationHistogram::value_of(b), v, "value of the bin of " + std::to_string(v));
  }
  EXPECT_EQ(DurationHistogram::value_of(DurationHistogram::bin_of(7)), 7);  // a bin of one whole ms
  EXPECT_EQ(DurationHistogram::bin_of(1e300), DurationHistogram::kBins - 1);

  std::mt19937 rng(7);
  std::lognormal_distribution<double> dist(6, 2);
  DurationHistogram h;
  std::vector<double> values, kept;
  std::vector<std::uint16_t> bins;
  for (int i = 0; i < 5000; ++i) {
    double v = std::floor(dist(rng));
    values.push_back(v);
    bins.push_back(DurationHistogram::bin_of(v));
    h.add(bins.back());
  }
  for (int i = 0; i < 5000; i += 3) h.remove(bins[static_cast<std::size_t>(i)]);
  for (int i = 0; i < 5000; ++i) {
    if (i % 3) kept.push_back(values[static_cast<std::size_t>(i)]);
  }
  ASSERT_EQ(h.size(), static_cast<std::int64_t>(kept.size()));
  for (double q : {0.01, 0.5, 0.95, 0.99, 1.0}) {
    auto copy = kept;
    expect_near_rel(h.percentile(q), percentile(copy, q), "q=" + std::to_string(q));
  }
}

class LiveStatsTest : public ::testing::TestWithParam<unsigned> {
 protected:
  static TaskSpec random_spec(std::mt19937& rng, const std::vector<std::string>& ids) {
    TaskSpec s;
    s.type = std::vector<std::string>{"resize", "echo", "train"}[rng() % 3];
    s.capabilities = rng() % 5 == 0 ? std::vector<std::string>{"gpu", "text"} : std::vector<std::string>{"text"};
    s.priority = static_cast<Priority>(1 + rng() % 5);
    s.retries = static_cast<int>(rng() % 3);
    s.retry.initial_ms = 200;
    if (!ids.empty() && rng() % 3 == 0) s.depends_on = {ids[rng() % ids.size()]};
    return s;
  }
  void sync() {
    leader.drain_dirty([&](const TaskRecord& r) {
      auto copy = decode_task_record(r.seq, encode_task_record(r));
      ASSERT_TRUE(copy.ok());
      follower.apply_record(std::move(*copy));
    });
    leader.drain_spent_batches([](std::uint64_t) {});
  }
  void check(const std::string& where) {
    auto now = clock.wall_ms();
    ASSERT_TRUE(leader.check_invariants().ok()) << where << ": " << leader.check_invariants().error().message;
    expect_matches(leader.stats(now), task_stats(leader.tasks(), now), "leader " + where);
    // (A follower holds no agents, so the leader's lease invariants are not its own.)
    expect_matches(follower.stats(now), task_stats(follower.tasks(), now), "follower " + where);
    expect_same_counts(follower.stats(now), leader.stats(now), "follower vs leader " + where);
  }

  ManualClock clock{1000};
  SchedulerCore leader{clock, CoreOptions{100'000, 3, 10, 1000}};
  SchedulerCore follower{clock, CoreOptions{100'000, 3, 10, 1000}};
};

TEST_P(LiveStatsTest, KeptCountsEqualARecountAfterRandomOperations) {
  std::mt19937 rng(GetParam());
  std::vector<std::string> ids;
  std::vector<std::pair<std::string, std::int64_t>> held;  // (task id, attempt) assigned to agents
  int reopened = 0;
  for (int w = 0; w < 3; ++w) {
    AgentSpec a;
    a.agent_id = "w" + std::to_string(w);
    a.capabilities = {"text"};
    a.capacity = 2;
    leader.attach("ident-" + a.agent_id, a);
  }
  for (int step = 0; step < 400; ++step) {
    switch (rng() % 9) {
      case 0:
      case 1: {
        auto ok = leader.submit("r" + std::to_string(step), random_spec(rng, ids));
        ASSERT_TRUE(ok.ok());
        ids.push_back(ok->task_id);
        break;
      }
      case 2:
      case 3:
        if (!held.empty()) {
          auto i = rng() % held.size();
          auto [id, attempt] = held[i];
          held.erase(held.begin() + static_cast<long>(i));
          if (rng() % 2) leader.progress(TaskProgress{id, attempt, 50, ""});
          clock.advance(static_cast<std::int64_t>(rng() % 5000));
          leader.result(TaskResult{id, attempt, rng() % 3 != 0, Json(1), "boom"});
        }
        break;
      case 4:
        if (!ids.empty()) leader.cancel(Cancel{ids[rng() % ids.size()], "test"});
        break;
      case 5:
        if (!ids.empty()) {
          Reprioritize r;
          r.task_id = ids[rng() % ids.size()];
          r.priority = static_cast<Priority>(1 + rng() % 5);
          (void)leader.reprioritize(r);
        }
        break;
      case 6:
        if (!held.empty() && rng() % 4 == 0) {  // an agent lost: its attempts are re-queued
          leader.detach("w" + std::to_string(rng() % 3));
          held.clear();
        }
        break;
      case 7:  // a workflow retry re-opens an ended task (refused unless it ended badly)
        if (!ids.empty()) reopened += leader.reopen({ids[rng() % ids.size()]}, "re-opened").ok();
        break;
      default:
        clock.advance(static_cast<std::int64_t>(rng() % 3000));
    }
    leader.tick();
    for (auto& m : leader.outbox().to_agents) {
      if (m.envelope.type != MsgType::ASSIGN) continue;
      auto a = Assign::from_body(body_of(m.envelope));
      held.emplace_back(a->task_id, a->attempt);
    }
    leader.outbox().clear();
    for (int w = 0; w < 3; ++w) {
      std::string id = "w" + std::to_string(w);
      if (!leader.agent(id)) {
        AgentSpec a;
        a.agent_id = id;
        a.capabilities = {"text"};
        a.capacity = 2;
        leader.attach("ident-" + id, a);
      }
    }
    sync();
    check("step " + std::to_string(step));
    if (HasFatalFailure()) return;
  }
  // The sequence went through every kind of change the figures see.
  auto seen = leader.stats(clock.wall_ms());
  for (const char* state : {"PENDING", "COMPLETED", "FAILED", "CANCELLED"}) EXPECT_GT(seen.by_state.count(state), 0u) << state;
  EXPECT_FALSE(seen.waiting.empty());
  std::int64_t finished = 0;
  for (const auto& t : seen.types) finished += t.finished;
  EXPECT_GT(finished, 0);
  EXPECT_GT(reopened, 0);
  // A core restored from the leader's records counts what the leader does.
  SchedulerCore restored{clock, CoreOptions{100'000, 3, 10, 1000}};
  for (const auto& [seq, t] : leader.tasks()) {
    auto copy = decode_task_record(seq, encode_task_record(t));
    ASSERT_TRUE(copy.ok());
    restored.restore(std::move(*copy));
  }
  restored.finish_restore();
  ASSERT_TRUE(restored.check_invariants().ok());
  auto now = clock.wall_ms();
  expect_matches(restored.stats(now), task_stats(restored.tasks(), now), "restored");
  expect_same_counts(restored.stats(now), leader.stats(now), "restored vs leader");
}

// Tasks made from a batch record (no record of their own): on the leader as accepted, on a
// follower applying the record, and on a core restoring it.
TEST_P(LiveStatsTest, TasksOfABatchRecordAreCountedOnLeaderFollowerAndRestoredCore) {
  std::mt19937 rng(GetParam());
  std::vector<BatchEntry> entries;
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) {
    TaskSpec s = random_spec(rng, keys);
    entries.push_back(BatchEntry{"k" + std::to_string(i), std::move(s)});
    keys.push_back("k" + std::to_string(i));
  }
  auto copy = entries, again = entries;
  BatchIntake intake;
  ASSERT_TRUE(leader.submit_batch("req", std::move(entries), {}, &intake).ok());
  ASSERT_TRUE(intake.recorded);
  ASSERT_TRUE(follower.apply_batch_record(intake, std::move(copy)).ok());
  SchedulerCore restored{clock, CoreOptions{100'000, 3, 10, 1000}};
  ASSERT_TRUE(restored.restore_batch(intake, std::move(again)).ok());
  restored.finish_restore();
  clock.advance(1234);
  check("after the batch");
  auto now = clock.wall_ms();
  ASSERT_TRUE(restored.check_invariants().ok());
  expect_matches(restored.stats(now), task_stats(restored.tasks(), now), "restored batch");
  expect_same_counts(restored.stats(now), leader.stats(now), "restored batch vs leader");
  EXPECT_EQ(leader.stats(now).total, 200);
}

INSTANTIATE_TEST_SUITE_P(Seeds, LiveStatsTest, ::testing::Values(1u, 2u, 3u, 4u, 5u));

}  // namespace
}  // namespace orion::scheduler
