// ScheduleBook over a real SchedulerCore and WorkflowManager in simulated time (ManualClock):
// no sockets, no disk. No agent is attached, so a fired task stays PENDING (not ended) until a
// test cancels it. Each turn persists into a map-backed Log as the service does (the book's
// records in the batch of the tasks its firings made); boot() restarts from that Log, and a
// turn whose batch is dropped plays a leader that died before its entry committed.
#include "services/scheduler/schedule_book.h"

#include <gtest/gtest.h>

#include <memory>

#include "services/scheduler/replica_state.h"
#include "services/scheduler/store_load.h"
#include "services/scheduler/workflow_manager.h"
#include "tests/unit/scheduler/memory_log_store.h"

namespace orion::scheduler {
namespace {

constexpr std::int64_t kT0 = 1'800'000'000'000;  // a wall clock instant on a whole second

class ScheduleBookTest : public ::testing::Test {
 protected:
  ScheduleBookTest() { boot(); }

  void TearDown() override {
    auto s = book->check_invariants();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    auto c = core->check_invariants();
    EXPECT_TRUE(c.ok()) << c.error().to_string();
  }

  // A fresh scheduler from what was committed: a restart, or a new leader.
  void boot() {
    book.reset();
    wf.reset();
    core = std::make_unique<SchedulerCore>(clock, CoreOptions{});
    wf = std::make_unique<WorkflowManager>(*core, clock);
    book = std::make_unique<ScheduleBook>(*core, *wf, clock);
    auto loaded = load_store(log, *core, *wf, nullptr, ServiceLogs{nullptr, nullptr, book.get()});
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  }

  // One loop turn of the serving leader: schedules, then the core; what changed is committed
  // in one batch (or lost, commit = false: the leader died before its entry committed).
  void turn(bool commit = true) {
    book->tick();
    core->tick();
    LogBatch batch = drain_turn_records(*core, *wf, LogBatch());
    book->drain_dirty([&](std::uint64_t key, std::string rec) {
      if (rec.empty()) {
        batch.erase(key);
      } else {
        batch.put(key, std::move(rec));
      }
    });
    core->outbox().clear();
    if (commit) {
      ASSERT_TRUE(log.append(batch).ok());
    }
  }

  // Simulated time passes with a turn every 20 ms, as the service's loop runs.
  void advance(std::int64_t ms) {
    for (std::int64_t step; ms > 0; ms -= step) {
      step = std::min<std::int64_t>(ms, 20);
      clock.advance(step);
      turn();
    }
  }
  // Time passes with no turn at all (no leader served), then one turn.
  void downtime(std::int64_t ms) {
    clock.advance(ms);
    turn();
  }

  ScheduleView make(ScheduleSpec spec, const std::string& rid = "create-1") {
    auto ok = book->create(rid, std::move(spec));
    EXPECT_TRUE(ok.ok()) << ok.error().to_string();
    turn();
    return ok ? ok->schedule : ScheduleView{};
  }
  static ScheduleSpec every(std::int64_t interval_ms, std::int64_t start_ms, const std::string& overlap = "allow",
                            const std::string& catchup = "none") {
    ScheduleSpec s;
    s.name = "every";
    s.interval_ms = interval_ms;
    s.start_ms = start_ms;
    s.task = TaskSpec{};
    s.task->type = "report";
    s.overlap = overlap;
    s.catchup = catchup;
    return s;
  }
  ScheduleView view(const std::string& id) { return *book->get(id); }

  // The tasks the schedule made, by the tick in their idempotency key ("schedule:<id>:<tick>").
  std::map<std::int64_t, int> ticks_fired(const std::string& id) const {
    std::map<std::int64_t, int> out;
    const std::string prefix = "schedule:" + id + ":";
    for (const auto& [seq, t] : core->tasks()) {
      const std::string& key = t.spec.idempotency_key;
      if (key.rfind(prefix, 0) != 0 || key.find("trigger") != std::string::npos) continue;
      ++out[std::stoll(key.substr(prefix.size()))];
    }
    return out;
  }
  void cancel(const std::string& task_id) { ASSERT_TRUE(core->cancel(Cancel{task_id, "done"}).ok()); }

  ManualClock clock{0, kT0};
  MemoryLogStore log;
  std::unique_ptr<SchedulerCore> core;
  std::unique_ptr<WorkflowManager> wf;
  std::unique_ptr<ScheduleBook> book;
};

TEST_F(ScheduleBookTest, AnIntervalFiresOneTaskPerTickKeyedByScheduleAndTick) {
  auto v = make(every(1000, kT0 + 1000));
  EXPECT_EQ(v.schedule_id, "s1");
  EXPECT_EQ(v.next_fire_ms, kT0 + 1000);
  advance(5000);
  auto fired = ticks_fired("s1");
  ASSERT_EQ(fired.size(), 5u);
  for (int k = 1; k <= 5; ++k) EXPECT_EQ(fired[kT0 + k * 1000], 1) << k;
  const TaskRecord* t = core->task(1);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->spec.idempotency_key, "schedule:s1:" + std::to_string(kT0 + 1000));
  EXPECT_EQ(t->spec.metadata["schedule_id"], "s1");
  EXPECT_EQ(t->spec.metadata["schedule_tick_ms"], std::to_string(kT0 + 1000));
  EXPECT_EQ(view("s1").fired, 5);
  EXPECT_EQ(view("s1").last_tick_ms, kT0 + 5000);
  EXPECT_EQ(view("s1").next_fire_ms, kT0 + 6000);
}

TEST_F(ScheduleBookTest, AnIntervalWithoutAStartFiresOneIntervalAfterCreation) {
  auto v = make(every(60'000, 0));
  EXPECT_EQ(v.spec.start_ms, kT0 + 60'000);
  EXPECT_EQ(v.next_fire_ms, kT0 + 60'000);
}

TEST_F(ScheduleBookTest, ACronTickThatDaylightSavingSkipsFiresOnceAtTheEndOfTheGap) {
  // 2026-03-07 12:00 New York (EST); clocks go 02:00 -> 03:00 on 2026-03-08.
  clock.advance(1'772'902'800'000 - kT0);
  ScheduleSpec s = every(0, 0);
  s.interval_ms = 0;
  s.cron = "30 2 * * *";
  s.time_zone = "America/New_York";
  auto v = make(s);
  const std::int64_t gap_end = 1'772'953'200'000;  // 2026-03-08 03:00 EDT = 07:00 UTC
  EXPECT_EQ(v.next_fire_ms, gap_end);
  clock.advance(gap_end - clock.wall_ms());
  turn();
  advance(100);
  EXPECT_EQ(ticks_fired("s1"), (std::map<std::int64_t, int>{{gap_end, 1}}));
  EXPECT_EQ(view("s1").next_fire_ms, 1'773'037'800'000);  // 2026-03-09 02:30 EDT = 06:30 UTC
}

TEST_F(ScheduleBookTest, ASixFieldCronFiresEverySecond) {
  ScheduleSpec s = every(0, 0);
  s.interval_ms = 0;
  s.cron = "* * * * * *";
  make(s);
  advance(3000);
  auto fired = ticks_fired("s1");
  EXPECT_EQ(fired, (std::map<std::int64_t, int>{{kT0 + 1000, 1}, {kT0 + 2000, 1}, {kT0 + 3000, 1}}));
}

TEST_F(ScheduleBookTest, OverlapSkipDoesNotFireWhileThePreviousTaskRuns) {
  make(every(1000, kT0 + 1000, "skip"));
  advance(3000);
  EXPECT_EQ(ticks_fired("s1").size(), 1u);
  EXPECT_EQ(view("s1").skipped, 2);
  cancel(view("s1").last_fired_id);
  advance(1000);
  EXPECT_EQ(ticks_fired("s1"), (std::map<std::int64_t, int>{{kT0 + 1000, 1}, {kT0 + 4000, 1}}));
}

TEST_F(ScheduleBookTest, OverlapQueueOneRemembersTheLatestTickAndFiresItWhenThePreviousEnds) {
  make(every(1000, kT0 + 1000, "queue_one"));
  advance(3000);
  EXPECT_EQ(ticks_fired("s1").size(), 1u);
  EXPECT_EQ(view("s1").pending_tick_ms, kT0 + 3000);
  EXPECT_EQ(view("s1").skipped, 1);  // the tick of kT0 + 2000 gave way
  cancel(view("s1").last_fired_id);
  turn();
  EXPECT_EQ(ticks_fired("s1"), (std::map<std::int64_t, int>{{kT0 + 1000, 1}, {kT0 + 3000, 1}}));
  EXPECT_EQ(view("s1").pending_tick_ms, 0);
}

TEST_F(ScheduleBookTest, OverlapAllowFiresEveryTick) {
  make(every(1000, kT0 + 1000, "allow"));
  advance(3000);
  EXPECT_EQ(ticks_fired("s1").size(), 3u);
}

TEST_F(ScheduleBookTest, CatchupNoneSkipsMissedTicksAndGoesOnWithTheNextOne) {
  make(every(1000, kT0 + 1000, "allow", "none"));
  downtime(10'600);  // ticks 1..10 missed: the last one by more than half the interval
  EXPECT_TRUE(ticks_fired("s1").empty());
  EXPECT_EQ(view("s1").next_fire_ms, kT0 + 11'000);
  EXPECT_EQ(view("s1").skipped, 10);
  advance(400);
  EXPECT_EQ(ticks_fired("s1"), (std::map<std::int64_t, int>{{kT0 + 11'000, 1}}));
}

TEST_F(ScheduleBookTest, CatchupLastFiresTheMostRecentMissedTickOnce) {
  make(every(1000, kT0 + 1000, "allow", "last"));
  downtime(10'500);
  EXPECT_EQ(ticks_fired("s1"), (std::map<std::int64_t, int>{{kT0 + 10'000, 1}}));
  EXPECT_EQ(view("s1").next_fire_ms, kT0 + 11'000);
}

TEST_F(ScheduleBookTest, CatchupAllFiresEachMissedTickWithinTheWindow) {
  auto s = every(1000, kT0 + 1000, "allow", "all");
  s.catchup_window_ms = 5000;
  make(s);
  downtime(10'500);  // at kT0 + 10.5 s: the ticks of 6..10 s are within 5 s
  auto fired = ticks_fired("s1");
  EXPECT_EQ(fired.size(), 5u);
  EXPECT_EQ(fired.begin()->first, kT0 + 6000);
  EXPECT_EQ(fired.rbegin()->first, kT0 + 10'000);
}

TEST_F(ScheduleBookTest, CatchupAllFiresAtMostTheHundredMostRecentTicks) {
  auto s = every(1000, kT0 + 1000, "allow", "all");
  s.catchup_window_ms = 3'600'000;
  make(s);
  downtime(500'000);
  auto fired = ticks_fired("s1");
  EXPECT_EQ(fired.size(), kMaxCatchupTicks);
  EXPECT_EQ(fired.rbegin()->first, kT0 + 500'000);
  EXPECT_EQ(fired.begin()->first, kT0 + 401'000);
  EXPECT_EQ(view("s1").skipped, 400);
}

TEST_F(ScheduleBookTest, CatchupAllOfACronScheduleIsBoundedToo) {
  ScheduleSpec s = every(0, 0, "allow", "all");
  s.interval_ms = 0;
  s.cron = "* * * * * *";
  s.catchup_window_ms = 7 * 24 * 3600 * 1000LL;
  make(s);
  downtime(2 * 24 * 3600 * 1000LL);  // two days of per-second ticks
  EXPECT_EQ(ticks_fired("s1").size(), kMaxCatchupTicks);
}

TEST_F(ScheduleBookTest, PausedSchedulesDoNotFireAndResumeFromTheNextTick) {
  make(every(1000, kT0 + 1000));
  advance(1000);
  ASSERT_TRUE(book->pause("s1").ok());
  turn();
  EXPECT_EQ(view("s1").state, "paused");
  advance(3500);
  EXPECT_EQ(ticks_fired("s1").size(), 1u);
  auto r = book->resume("s1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->schedule.next_fire_ms, kT0 + 5000);  // ticks while paused are not caught up
  advance(600);
  EXPECT_EQ(ticks_fired("s1"), (std::map<std::int64_t, int>{{kT0 + 1000, 1}, {kT0 + 5000, 1}}));
}

TEST_F(ScheduleBookTest, ADeletedScheduleFiresNoMoreAndIsNotFound) {
  make(every(1000, kT0 + 1000));
  advance(1000);
  ASSERT_TRUE(book->remove("s1").ok());
  turn();
  advance(3000);
  EXPECT_EQ(ticks_fired("s1").size(), 1u);
  EXPECT_EQ(book->get("s1").error().code, ErrorCode::NOT_FOUND);
  EXPECT_EQ(book->remove("s1").error().code, ErrorCode::NOT_FOUND);
  boot();  // the deletion was stored
  EXPECT_EQ(book->size(), 0u);
}

TEST_F(ScheduleBookTest, TriggerFiresNowWithItsOwnKeyAndARetryMakesNoSecondTask) {
  auto s = every(60'000, 0, "skip");
  s.paused = true;
  make(s);
  auto t = book->trigger("req-7", "s1");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  EXPECT_EQ(t->idempotency_key, "schedule:s1:trigger:req-7");
  turn();
  auto again = book->trigger("req-7", "s1");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->fired_id, t->fired_id);
  EXPECT_EQ(core->task_count(), 1u);
  EXPECT_EQ(view("s1").fired, 1);
  EXPECT_EQ(view("s1").last_fired_id, t->fired_id);
  EXPECT_EQ(book->trigger("req-8", "nope").error().code, ErrorCode::NOT_FOUND);
}

TEST_F(ScheduleBookTest, BadRequestsAreRefusedWithACodeAndChangeNothing) {
  auto bad_cron = every(0, 0);
  bad_cron.interval_ms = 0;
  bad_cron.cron = "61 * * * *";
  auto r = book->create("r1", bad_cron);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.error().message.rfind("cron: ", 0), 0u) << r.error().message;
  auto bad_zone = bad_cron;
  bad_zone.cron = "0 * * * *";
  bad_zone.time_zone = "Mars/Olympus_Mons";
  r = book->create("r2", bad_zone);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(r.error().message.find("time_zone"), std::string::npos) << r.error().message;
  auto both = every(1000, 0);
  both.cron = "* * * * *";
  EXPECT_EQ(book->create("r3", both).error().code, ErrorCode::INVALID_ARGUMENT);
  auto keyed = every(1000, 0);
  keyed.task->idempotency_key = "mine";
  EXPECT_EQ(book->create("r4", keyed).error().code, ErrorCode::INVALID_ARGUMENT);
  auto body = ScheduleCreate{every(500, 0)}.to_body();
  EXPECT_EQ(ScheduleCreate::from_body(body).error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(book->size(), 0u);
  EXPECT_EQ(book->pause("s9").error().code, ErrorCode::NOT_FOUND);
}

TEST_F(ScheduleBookTest, AGivenIdIsKeptARetriedCreateIsAnsweredAgainAndAnotherIsRefused) {
  auto s = every(1000, 0);
  s.schedule_id = "nightly";
  auto v = make(s, "c1");
  EXPECT_EQ(v.schedule_id, "nightly");
  auto again = book->create("c1", s);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(book->create("c2", s).error().code, ErrorCode::ALREADY_EXISTS);
  EXPECT_EQ(book->size(), 1u);
  auto page = book->list(ScheduleList{100, ""});
  ASSERT_EQ(page->schedules.size(), 1u);
}

TEST_F(ScheduleBookTest, ACommittedTickIsNotFiredAgainAfterARestart) {
  make(every(1000, kT0 + 1000));
  advance(2000);
  boot();
  advance(1000);
  auto fired = ticks_fired("s1");
  EXPECT_EQ(fired, (std::map<std::int64_t, int>{{kT0 + 1000, 1}, {kT0 + 2000, 1}, {kT0 + 3000, 1}}));
}

TEST_F(ScheduleBookTest, ATickWhoseTurnDidNotCommitIsFiredOnceByTheNextLeader) {
  make(every(1000, kT0 + 1000, "allow", "none"));
  advance(980);
  clock.advance(20);
  turn(false);  // the tick of kT0 + 1000 fired, but its entry never committed
  EXPECT_EQ(ticks_fired("s1").size(), 1u);
  boot();  // the new leader: neither the task nor the advance
  EXPECT_TRUE(ticks_fired("s1").empty());
  EXPECT_EQ(view("s1").next_fire_ms, kT0 + 1000);
  turn();
  EXPECT_EQ(ticks_fired("s1"), (std::map<std::int64_t, int>{{kT0 + 1000, 1}}));
  EXPECT_EQ(core->task(1)->spec.idempotency_key, "schedule:s1:" + std::to_string(kT0 + 1000));
}

TEST_F(ScheduleBookTest, AStandbyHoldsTheLeadersSchedulesAndASnapshotCarriesThem) {
  make(every(1000, kT0 + 1000, "queue_one"));
  advance(3000);
  ScheduleBook copy(*core, *wf, clock);
  book->each_record([&](std::uint64_t key, const std::string& rec) { ASSERT_TRUE(copy.apply_record(log_id(key), rec).ok()); });
  EXPECT_EQ(copy.get("s1")->to_json(), view("s1").to_json());
  EXPECT_TRUE(copy.check_invariants().ok());
  ASSERT_TRUE(copy.apply_record(1, "").ok());  // the leader deleted it
  EXPECT_EQ(copy.size(), 0u);
}

TEST_F(ScheduleBookTest, AScheduleMayRunAWorkflow) {
  ScheduleSpec s = every(1000, kT0 + 1000);
  s.task.reset();
  auto w = WorkflowSpec::from_json(Json{{"name", "pipeline"}, {"steps", {{{"name", "a"}, {"type", "echo"}}}}});
  ASSERT_TRUE(w.ok());
  s.workflow = *w;
  make(s);
  advance(1000);
  EXPECT_EQ(view("s1").last_fired_id, "w1");
  EXPECT_EQ(wf->workflow_count(), 1u);
}

}  // namespace
}  // namespace orion::scheduler
