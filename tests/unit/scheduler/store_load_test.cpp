// Loading a store (store_load.h): a core written to a real SQLite file as the service writes it
// (tasks alone, batch records, hits) loads back into a fresh core task for task; a batch record
// made again through StoredBatch equals one made from decoded entries; an entry that does not
// read leaves the core as it was.
#include "services/scheduler/store_load.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "common/codec.h"
#include "common/task_pack.h"
#include "services/scheduler/batch_record.h"
#include "services/scheduler/replica_state.h"
#include "services/scheduler/task_codec.h"
#include "tests/unit/scheduler/damaged_bytes.h"

namespace orion::scheduler {
namespace {

// Every task as a restart must give it back: its stored record and what is derived from it.
std::map<std::uint64_t, std::string> state_of(const SchedulerCore& core) {
  std::map<std::uint64_t, std::string> out;
  for (const auto& [seq, t] : core.tasks()) {
    std::string derived = "|unmet=" + std::to_string(t.unmet) + "|class=" + *t.class_key +
                          "|in_batch=" + std::to_string(t.in_batch_record) + "|dependants=";
    for (auto d : t.dependants) derived += std::to_string(d) + ",";
    auto view = core.get(task_id_for(seq));
    derived += "|waiting_on=";
    for (const auto& w : view->waiting_on) derived += w + ",";
    out[seq] = encode_task_record(t) + derived;
  }
  return out;
}

class StoreLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("orion-store-load-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string db() const { return (dir_ / "scheduler.db").string(); }

  static TaskSpec spec(std::mt19937& rng) {
    TaskSpec s;
    s.type = rng() % 4 == 0 ? "other" : "echo";
    s.capabilities = {rng() % 3 == 0 ? "nobody" : "work"};  // "nobody": stays queued
    s.priority = static_cast<Priority>(1 + rng() % 5);
    switch (rng() % 4) {
      case 0: s.input = static_cast<std::int64_t>(rng() % 1000); break;
      case 1: s.input = "text " + std::to_string(rng()); break;
      case 2: s.input = Json{{"n", static_cast<int>(rng() % 9)}, {"s", "x"}}; break;
      default: break;
    }
    if (rng() % 5 == 0) s.metadata = Json{{"owner", "team-" + std::to_string(rng() % 3)}};
    if (rng() % 7 == 0) s.retries = 2;
    if (rng() % 11 == 0) s.name = "named";
    return s;
  }

  // The first ASSIGNs of a tick, each answered ok or not.
  void run_some(SchedulerCore& core, std::mt19937& rng) {
    core.tick();
    std::vector<Assign> assigned;
    for (auto& m : core.outbox().to_agents) {
      if (m.envelope.type == MsgType::ASSIGN) assigned.push_back(*Assign::from_body(body_of(m.envelope)));
    }
    core.outbox().clear();
    for (const auto& a : assigned) {
      if (rng() % 4 == 0) continue;  // left running: restored as ASSIGNED, its lease adopted
      const bool ok = rng() % 3 != 0;
      core.result(TaskResult{a.task_id, a.attempt, ok, Json("out"), ok ? "" : "bad"});
    }
  }

  std::filesystem::path dir_;
  ManualClock clock{5000};
  CoreOptions options{100'000, 3, 100, 10'000, 0};
};

TEST_F(StoreLoadTest, AStoreOfManyTasksLoadsBackIntoTheSameTasksAsTheDecodedEntriesWouldMake) {
  std::mt19937 rng(11);
  SchedulerCore live(clock, options);
  WorkflowManager live_workflows(live, clock);
  auto log = SqliteLogStore::open(db());
  ASSERT_TRUE(log.ok()) << log.error().to_string();
  std::vector<std::string> batch_records;  // as written, for the reference restore below
  auto commit = [&](LogBatch records) {
    auto s = (*log)->append(drain_turn_records(live, live_workflows, std::move(records)));
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    live.outbox().clear();
  };
  AgentSpec agent;
  agent.agent_id = "w";
  agent.capabilities = {"work"};
  agent.capacity = 3;
  live.attach("ident-w", agent);
  for (int i = 0; i < 30; ++i) {
    auto s = spec(rng);
    if (i % 5 == 0) s.idempotency_key = "single-" + std::to_string(i);
    ASSERT_TRUE(live.submit("single-" + std::to_string(i), s).ok());
  }
  commit({});
  for (int b = 0; b < 6; ++b) {
    // Dependencies on earlier keys of the batch and on older tasks, repeated ones, idempotency
    // keys hitting older tasks and each other; one batch without any dependency.
    std::vector<BatchEntry> entries;
    const int n = 1500;
    for (int i = 0; i < n; ++i) {
      BatchEntry e{"k" + std::to_string(i), spec(rng)};
      if (b != 2 && i > 0 && rng() % 2 == 0) e.spec.depends_on.push_back("k" + std::to_string(rng() % i));
      if (b != 2 && i > 1 && rng() % 5 == 0) e.spec.depends_on.push_back("k" + std::to_string(i / 2));
      if (b != 2 && rng() % 9 == 0) e.spec.depends_on.push_back(task_id_for(1 + rng() % 30));
      if (b != 2 && i > 0 && rng() % 40 == 0) e.spec.depends_on.push_back(e.spec.depends_on.empty() ? "k0" : e.spec.depends_on.front());
      if (rng() % 50 == 0) e.spec.idempotency_key = "single-" + std::to_string(5 * (rng() % 6));
      if (rng() % 60 == 0) e.spec.idempotency_key = "batch-" + std::to_string(rng() % 5);
      entries.push_back(std::move(e));
    }
    SubmitBatch body;
    body.tasks = entries;
    BatchIntake intake;
    auto ok = live.accept_batch("batch-" + std::to_string(b), std::move(entries), {}, &intake);
    ASSERT_TRUE(ok.ok()) << ok.error().to_string();
    ASSERT_TRUE(intake.recorded);
    LogBatch records;
    batch_records.push_back(encode_batch_record(intake, encode_value(body.to_body())));
    records.put(log_key(kBatchRecordKind, intake.first), batch_records.back());
    while (live.apply_batches(700)) {
    }
    commit(std::move(records));
    // Some of it runs: completed, failed (with retries and cascades), left running.
    for (int turn = 0; turn < 40; ++turn) {
      clock.advance(50);
      run_some(live, rng);
      commit({});
    }
    if (b == 3) {  // a cancelled batch task: its dependants end with it
      ASSERT_TRUE(live.cancel(Cancel{task_id_for(intake.first + 7), "no"}).ok());
      commit({});
    }
  }
  std::size_t terminal = 0, pending = 0, leased = 0, untouched = 0;
  for (const auto& [seq, t] : live.tasks()) {
    terminal += is_terminal(t.state);
    pending += t.state == TaskState::PENDING;
    leased += t.state == TaskState::ASSIGNED || t.state == TaskState::RUNNING;
    untouched += t.in_batch_record;
  }
  ASSERT_GT(terminal, 50u);
  ASSERT_GT(pending, 3000u);
  ASSERT_GT(leased, 0u);
  ASSERT_GT(untouched, 3000u) << "most tasks are held by their batch records only";

  // What a restart does: the store read back with the service's own code.
  log->reset();
  auto reopened = SqliteLogStore::open(db());
  ASSERT_TRUE(reopened.ok());
  SchedulerCore restored(clock, options);
  WorkflowManager restored_workflows(restored, clock);
  LoadPhases phases;
  auto s = load_store(**reopened, restored, restored_workflows, &phases);
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(phases.batch_records, batch_records.size()) << "none spent: each still makes tasks";
  EXPECT_EQ(restored.task_count(), live.task_count());
  EXPECT_EQ(restored.ready_count(), live.ready_count());
  EXPECT_EQ(restored.next_seq(), live.next_seq());
  EXPECT_TRUE(restored.check_invariants().ok()) << restored.check_invariants().error().to_string();
  const auto want = state_of(live);
  const auto got = state_of(restored);
  ASSERT_EQ(got.size(), want.size());
  std::size_t differ = 0;
  for (const auto& [seq, record] : want) {
    if (got.at(seq) != record && ++differ <= 3) ADD_FAILURE() << "task t" << seq << " differs after the load";
  }
  EXPECT_EQ(differ, 0u);

  // The decoder it replaced: every batch record decoded into BatchEntry values first.
  SchedulerCore reference(clock, options);
  (*reopened)->replay([&](std::uint64_t key, std::string_view bytes) -> Status {
    if (log_kind(key) == 0) reference.restore(*decode_task_record(key, bytes));
    if (log_kind(key) == kBatchRecordKind) {
      auto r = decode_batch_record(bytes);
      if (!r) return r.error();
      return reference.restore_batch(r->intake, std::move(r->batch.tasks));
    }
    if (log_kind(key) == kBatchHitsKind) reference.restore_batch_hits(*decode_batch_hits(log_id(key), bytes));
    return {};
  });
  reference.finish_restore();
  EXPECT_EQ(state_of(reference), got);
  // A retried batch is answered as the first time, from the restored batch.
  std::vector<BatchEntry> retry{BatchEntry{"k0", TaskSpec{}}};
  retry[0].spec.type = "echo";
  auto again = restored.submit_batch("batch-1", retry);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->task_ids, live.submit_batch("batch-1", retry)->task_ids);
}

TEST_F(StoreLoadTest, ABatchRecordWithAnEntryThatDoesNotReadIsRefusedAndLeavesTheCoreAsItWas) {
  SchedulerCore core(clock, options);
  TaskSpec older;
  older.type = "echo";
  older.idempotency_key = "old";
  ASSERT_TRUE(core.submit("r1", older).ok());
  const auto before = state_of(core);
  // Entries "a", "b" (idempotency key "fresh"), then "bad" whose task has no type.
  Json body = {{"tasks", Json::array({Json{{"key", "a"}, {"task", Json{{"type", "echo"}}}},
                                      Json{{"key", "b"}, {"task", Json{{"type", "echo"}, {"idempotency_key", "fresh"}}}},
                                      Json{{"key", "bad"}, {"task", Json{{"type", 7}}}}})}};
  BatchIntake intake;
  intake.request_id = "req";
  intake.created_ms = 5000;
  intake.first = 2, intake.last = 4, intake.seqs = {2, 3, 4};
  const std::string bytes = encode_batch_record(intake, encode_value(body));
  auto stored = StoredBatch::read(bytes);
  ASSERT_TRUE(stored.ok()) << stored.error().to_string();
  auto s = core.restore_batch((*stored)->intake(), **stored);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::INTERNAL);
  EXPECT_NE(s.error().message.find("tasks[2]"), std::string::npos) << s.error().message;
  EXPECT_EQ(state_of(core), before);
  EXPECT_EQ(core.next_seq(), 2u);
  EXPECT_TRUE(core.check_invariants().ok());
  TaskSpec fresh;
  fresh.type = "echo";
  fresh.idempotency_key = "fresh";
  auto ok = core.submit("r2", fresh);
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(ok->duplicate) << "the unmade task's idempotency key is not held";
  EXPECT_EQ(ok->task_id, "t2");
}

TEST_F(StoreLoadTest, StoredBatchBytesReadWithBoundsAndAnyDamageIsAnErrorNotACrash) {
  BatchIntake intake;
  intake.request_id = "rid";
  intake.first = 10, intake.last = 11, intake.seqs = {10, 11};
  SubmitBatch body;
  body.tasks = {BatchEntry{"a", TaskSpec{}}, BatchEntry{"b", TaskSpec{}}};
  body.tasks[0].spec.type = body.tasks[1].spec.type = "echo";
  body.tasks[1].spec.depends_on = {"a", "t3"};
  const std::string bytes = encode_batch_record(intake, encode_value(body.to_body()));
  auto back = StoredBatch::read(bytes);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  ASSERT_EQ((*back)->size(), 2u);
  EXPECT_TRUE((*back)->has_dependencies());
  EXPECT_EQ((*back)->key(1), "b");
  ASSERT_EQ((*back)->dependency_count(1), 2u);
  EXPECT_EQ((*back)->dependency(1, 1), "t3");
  // Whatever still reads gives each entry's spec and dependencies, or INTERNAL: no crash.
  expect_damage_refused(
      bytes, [](std::string_view b) { return StoredBatch::read(b); }, 3, [](auto& stored) {
        for (std::size_t e = 0; e < stored->size(); ++e) {
          TaskSpec s;
          auto read = stored->read_spec(e, s);
          if (!read.ok()) {
            EXPECT_EQ(read.error().code, ErrorCode::INTERNAL);
          }
          for (std::size_t k = 0; k < stored->dependency_count(e); ++k) (void)stored->dependency(e, k);
        }
      });
}

}  // namespace
}  // namespace orion::scheduler
