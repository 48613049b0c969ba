// Batch records (batch_record.h): a batch accepted with a BatchIntake is made again at a restart,
// task for task, exactly as it was made; its record is spent once every task has its own; its
// bytes decode with bounds. And accept_batch + apply_batches in slices equals submit_batch.
#include "services/scheduler/batch_record.h"

#include <gtest/gtest.h>

#include <map>

#include "common/task_pack.h"
#include "services/scheduler/store_load.h"
#include "services/scheduler/task_codec.h"
#include "services/scheduler/workflow_manager.h"
#include "tests/unit/scheduler/damaged_bytes.h"
#include "tests/unit/scheduler/memory_log_store.h"

namespace orion::scheduler {
namespace {

TaskSpec spec(const std::string& type = "echo", Priority p = Priority::NORMAL) {
  TaskSpec s;
  s.type = type;
  s.capabilities = {"work"};
  s.priority = p;
  return s;
}

BatchEntry entry(const std::string& key, std::vector<std::string> deps, TaskSpec s = spec()) {
  s.depends_on = std::move(deps);
  return BatchEntry{key, std::move(s)};
}

// Every task's record, by seq: what a store would hold if each were written alone.
std::map<std::uint64_t, std::string> records_of(const SchedulerCore& core) {
  std::map<std::uint64_t, std::string> out;
  for (const auto& [seq, t] : core.tasks()) out[seq] = encode_task_record(t);
  return out;
}

class BatchRecordTest : public ::testing::Test {
 protected:
  void attach(SchedulerCore& core) {
    AgentSpec a;
    a.agent_id = "w";
    a.capabilities = {"work"};
    a.capacity = 1;
    core.attach("ident-w", a);
  }
  // The first ASSIGN of a tick, answered with `ok`.
  void run_one(SchedulerCore& core, bool ok) {
    core.tick();
    for (auto& m : core.outbox().to_agents) {
      if (m.envelope.type != MsgType::ASSIGN) continue;
      auto a = *Assign::from_body(body_of(m.envelope));
      core.outbox().clear();
      ASSERT_TRUE(core.result(TaskResult{a.task_id, a.attempt, ok, Json("out"), ok ? "" : "bad"}).accepted);
      return;
    }
    FAIL() << "nothing was assigned";
  }
  // A core holding: t1 COMPLETED, t2 FAILED, t3 PENDING with idempotency key "old".
  void prepare(SchedulerCore& core) {
    attach(core);
    ASSERT_TRUE(core.submit("r1", spec()).ok());
    run_one(core, true);
    ASSERT_TRUE(core.submit("r2", spec()).ok());
    run_one(core, false);
    auto held = spec("held");
    held.capabilities = {"nobody"};  // no agent has it: it stays PENDING
    held.idempotency_key = "old";
    ASSERT_TRUE(core.submit("r3", held).ok());
    core.drain_dirty([](const TaskRecord&) {});
    core.outbox().clear();
  }
  // Every case a batch record must give back: dependencies on a completed and on a failed older
  // task, a repeated dependency, an idempotent hit on an older task and one within the batch, a
  // dependant that lends its priority to a task of the batch.
  std::vector<BatchEntry> batch() {
    std::vector<BatchEntry> b;
    b.push_back(entry("c", {"b", "a", "b"}));
    b.push_back(entry("a", {}));
    b.push_back(entry("b", {"a", "t1"}));
    auto hit = spec();
    hit.idempotency_key = "old";
    b.push_back(entry("hit", {}, hit));
    auto twice = spec();
    twice.idempotency_key = "new";
    b.push_back(entry("new1", {"a"}, twice));
    b.push_back(entry("new2", {}, twice));
    b.push_back(entry("doomed", {"t2"}));
    b.push_back(entry("urgent", {"b"}, spec("echo", Priority::URGENT)));
    b.push_back(entry("free", {"t1"}));
    return b;
  }

  ManualClock clock{5000};
  CoreOptions options{100'000, 3, 100, 10'000, 0};
};

TEST_F(BatchRecordTest, ARestartMakesEveryTaskOnlyItsBatchRecordHoldsExactlyAsItWasMade) {
  SchedulerCore live(clock, options);
  prepare(live);
  clock.advance(7);
  BatchIntake intake;
  auto entries = batch();
  auto ok = live.accept_batch("req", entries, {}, &intake);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  ASSERT_TRUE(intake.recorded);
  EXPECT_TRUE(ok->task_ids.empty()) << "answered through the intake";
  ASSERT_EQ(intake.seqs.size(), entries.size());
  EXPECT_EQ(intake.seqs[3], 3u) << "the idempotent hit names the older task";
  EXPECT_EQ(intake.seqs[4], intake.seqs[5]) << "one task for one idempotency key within the batch";
  clock.advance(3);  // the batch's tasks are made later, yet all at the instant it was accepted
  while (live.apply_batches(2)) {
  }
  EXPECT_EQ(intake.first, 4u);
  EXPECT_EQ(intake.last, 10u) << "7 new tasks: the hit and the second 'new' made none";
  // What the service writes: the tasks changed alone (the failed dependant, the tasks that got
  // the URGENT priority lent), then the batch record.
  std::map<std::uint64_t, std::string> store;
  std::vector<std::uint64_t> alone;
  live.drain_dirty([&](const TaskRecord& t) {
    store[t.seq] = encode_task_record(t);
    if (t.seq >= intake.first) alone.push_back(t.seq);
  });
  EXPECT_FALSE(alone.empty());
  EXPECT_LT(alone.size(), 8u);
  for (std::uint64_t seq = 1; seq < intake.first; ++seq) store.emplace(seq, encode_task_record(*live.task(seq)));
  SubmitBatch body;
  body.tasks = batch();
  auto record = decode_batch_record(encode_batch_record(intake, encode_value(body.to_body())));
  ASSERT_TRUE(record.ok()) << record.error().to_string();
  EXPECT_EQ(record->intake.seqs, intake.seqs);
  EXPECT_EQ(record->intake.created_ms, intake.created_ms);

  SchedulerCore restarted(clock, options);
  for (const auto& [seq, bytes] : store) restarted.restore(*decode_task_record(seq, bytes));
  ASSERT_TRUE(restarted.restore_batch(record->intake, std::move(record->batch.tasks)).ok());
  restarted.finish_restore();
  EXPECT_EQ(records_of(restarted), records_of(live));
  EXPECT_EQ(restarted.ready_count(), live.ready_count());
  bool spent = false;
  restarted.drain_spent_batches([&](std::uint64_t) { spent = true; });
  EXPECT_FALSE(spent) << "tasks still need the record";
}

TEST_F(BatchRecordTest, TheRecordIsSpentOnceEveryTaskOfItHasARecordOfItsOwn) {
  SchedulerCore core(clock, options);
  prepare(core);
  BatchIntake intake;
  ASSERT_TRUE(core.submit_batch("req", {entry("x", {}), entry("y", {"x"}), entry("z", {"x"})}, {}, &intake).ok());
  std::vector<std::uint64_t> spent;
  auto drain = [&] {
    core.drain_dirty([](const TaskRecord&) {});
    core.drain_spent_batches([&](std::uint64_t first) { spent.push_back(first); });
  };
  drain();
  EXPECT_TRUE(spent.empty());
  run_one(core, true);  // x completes: y and z become ready, and all three change
  drain();
  EXPECT_EQ(spent, std::vector<std::uint64_t>{intake.first});
  run_one(core, true);
  drain();
  EXPECT_EQ(spent.size(), 1u) << "once";
}

TEST_F(BatchRecordTest, AGatedBatchIsNotRecordedAndABatchOfOnlyHitsHasNoNewTasks) {
  SchedulerCore core(clock, options);
  prepare(core);
  BatchIntake gated;
  ConsensusGate gate;
  gate.type = "majority";
  gate.capability = "work";
  auto ok = core.submit_batch("g", {entry("x", {})}, gate, &gated);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_FALSE(gated.recorded);
  std::size_t written = 0;
  core.drain_dirty([&](const TaskRecord&) { ++written; });
  EXPECT_EQ(written, 1u);
  auto hit = spec();
  hit.idempotency_key = "old";
  BatchIntake hits;
  ASSERT_TRUE(core.submit_batch("h", {entry("again", {}, hit)}, {}, &hits).ok());
  EXPECT_FALSE(hits.recorded);
  EXPECT_EQ(hits.seqs, std::vector<std::uint64_t>{3});
}

TEST_F(BatchRecordTest, AcceptingThenApplyingInSlicesMakesWhatSubmitBatchMakes) {
  SchedulerCore whole(clock, options), sliced(clock, options);
  prepare(whole);
  prepare(sliced);
  ASSERT_TRUE(whole.submit_batch("req", batch()).ok());
  auto ok = sliced.accept_batch("req", batch());
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(sliced.applying());
  std::size_t calls = 0;
  while (sliced.apply_batches(1)) ++calls;
  EXPECT_GE(calls, 6u);
  EXPECT_EQ(records_of(sliced), records_of(whole));
  EXPECT_EQ(sliced.outbox().events.size(), whole.outbox().events.size());
  auto again = sliced.submit_batch("req", batch());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->task_ids, whole.submit_batch("req", batch())->task_ids);
  EXPECT_TRUE(sliced.check_invariants().ok());
}

// What the service stores for `core` (every task record, the batch records, the hits records),
// loaded into a new core as start() does (load_store).
class Restart {
 public:
  // `batches`: each recorded intake with the body it was accepted with.
  Restart(SchedulerCore& live, const std::vector<std::pair<BatchIntake, std::vector<BatchEntry>>>& batches) {
    live.drain_dirty([](const TaskRecord&) {});
    for (const auto& [seq, t] : live.tasks()) {
      if (!t.in_batch_record) log_.records[seq] = encode_task_record(t);
    }
    for (const auto& [intake, entries] : batches) {
      SubmitBatch body;
      body.tasks = entries;
      log_.records[log_key(kBatchRecordKind, intake.first)] = encode_batch_record(intake, encode_value(body.to_body()));
    }
    live.drain_batch_hits([&](const BatchHits& h) { log_.records[log_key(kBatchHitsKind, h.id)] = encode_batch_hits(h); });
  }
  void into(SchedulerCore& core, WorkflowManager& workflows) {
    auto s = load_store(log_, core, workflows, nullptr);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
  }

 private:
  MemoryLogStore log_;
};

// The first answer to a batch taken in through an intake, as the service sends it.
std::map<std::string, std::string> first_answer(const std::vector<BatchEntry>& entries, const BatchIntake& intake) {
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < entries.size(); ++i) out[entries[i].key] = task_id_for(intake.seqs[i]);
  return out;
}

TEST_F(BatchRecordTest, ARetriedBatchIsAnsweredForEveryEntryTheIdempotentHitsToo) {
  SchedulerCore core(clock, options);
  prepare(core);
  auto entries = batch();
  BatchIntake intake;
  ASSERT_TRUE(core.submit_batch("req", entries, {}, &intake).ok());
  const auto first = first_answer(entries, intake);
  ASSERT_EQ(first.size(), entries.size());
  auto again = core.submit_batch("req", entries, {}, nullptr);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->task_ids, first) << "'hit' (an older task's key) and 'new2' (new1's key) are entries too";
  // The same before an intake's batch: a batch answered in task_ids.
  SchedulerCore plain(clock, options);
  prepare(plain);
  auto ok = plain.submit_batch("req", batch());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->task_ids.size(), entries.size());
  EXPECT_EQ(plain.submit_batch("req", batch())->task_ids, ok->task_ids);
}

TEST_F(BatchRecordTest, ABatchRetriedAfterARestartGetsTheFirstAnswerAndMakesNoTaskWhenItsFirstEntryWasAHit) {
  SchedulerCore live(clock, options);
  prepare(live);
  auto hit = spec();
  hit.idempotency_key = "old";  // t3's key: the first entry makes no task
  std::vector<BatchEntry> entries{entry("hit", {}, hit), entry("x", {}), entry("y", {"x"})};
  BatchIntake intake;
  ASSERT_TRUE(live.submit_batch("req", entries, {}, &intake).ok());
  ASSERT_TRUE(intake.recorded);
  const auto first = first_answer(entries, intake);
  const auto tasks_before = live.task_count();
  // A second batch with hits only: it has no batch record, and makes no task.
  std::vector<BatchEntry> only_hits{entry("again", {}, hit)};
  BatchIntake hits_intake;
  ASSERT_TRUE(live.submit_batch("hits", only_hits, {}, &hits_intake).ok());
  ASSERT_FALSE(hits_intake.recorded);

  Restart stored(live, {{intake, entries}});
  SchedulerCore restarted(clock, options);
  WorkflowManager workflows(restarted, clock);
  stored.into(restarted, workflows);
  ASSERT_EQ(restarted.task_count(), tasks_before);
  auto again = restarted.submit_batch("req", entries, {}, nullptr);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->task_ids, first);
  EXPECT_EQ(restarted.task_count(), tasks_before) << "the retry made no task";
  auto hits_again = restarted.submit_batch("hits", only_hits, {}, nullptr);
  ASSERT_TRUE(hits_again.ok());
  EXPECT_TRUE(hits_again->duplicate);
  EXPECT_EQ(hits_again->task_ids, first_answer(only_hits, hits_intake));
  EXPECT_TRUE(restarted.check_invariants().ok());
}

TEST_F(BatchRecordTest, HitsRecordBytesRoundTripAndDamageIsAnErrorNotACrash) {
  BatchHits h{7, "rid", {{"a", 3}, {"b", 12}}};
  const std::string bytes = encode_batch_hits(h);
  auto back = decode_batch_hits(7, bytes);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->id, 7u);
  EXPECT_EQ(back->request_id, "rid");
  EXPECT_EQ(back->hits, h.hits);
  expect_damage_refused(bytes, [](std::string_view b) { return decode_batch_hits(7, b); }, 5);
}

TEST_F(BatchRecordTest, ARecordThatDoesNotFitTheTasksIsRefusedAsCorrupt) {
  SchedulerCore core(clock, options);
  BatchIntake intake;
  intake.first = 1, intake.last = 2, intake.seqs = {1};
  auto s = core.restore_batch(intake, {entry("a", {}), entry("b", {})});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::INTERNAL);
  intake.seqs = {1, 2};
  s = core.restore_batch(intake, {entry("a", {"t77"}), entry("b", {})});
  ASSERT_FALSE(s.ok()) << "a dependency on a task the store does not hold";
}

// A damaged record's span is refused or walked over the tasks held, never over its length: were
// either walked seq by seq these would not end.
TEST_F(BatchRecordTest, ASpanLongerThanTheRecordIsRefusedAndAHitsSpanCostsOnlyTheTasksHeld) {
  SchedulerCore core(clock, options);
  BatchIntake intake;
  intake.first = 1, intake.last = std::uint64_t{1} << 62, intake.seqs = {1};
  auto s = core.restore_batch(intake, {entry("a", {})});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::INTERNAL);
  EXPECT_EQ(core.tasks().size(), 0u);
  core.restore_batch_hits(BatchHits{1, "rid", {{"a", 7}}, 1, std::uint64_t{1} << 62, 1000});
  std::vector<std::uint64_t> gone;
  core.drain_expired([](std::uint64_t) {}, [&](std::uint64_t id) { gone.push_back(id); });
  EXPECT_EQ(gone, std::vector<std::uint64_t>{1}) << "no task of its span is held: it goes at once";
  EXPECT_TRUE(core.check_invariants().ok());
}

TEST_F(BatchRecordTest, BatchRecordBytesDecodeWithBoundsAndAnyDamageIsAnErrorNotACrash) {
  BatchIntake intake;
  intake.request_id = "rid";
  intake.created_ms = 1234;
  intake.first = 10, intake.last = 11, intake.seqs = {10, 11};
  SubmitBatch body;
  body.tasks = {entry("a", {}), entry("b", {"a"})};
  const std::string bytes = encode_batch_record(intake, encode_value(body.to_body()));
  auto back = decode_batch_record(bytes);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->intake.request_id, "rid");
  EXPECT_EQ(back->intake.last, 11u);
  ASSERT_EQ(back->batch.tasks.size(), 2u);
  EXPECT_EQ(back->batch.tasks[1].spec.depends_on, std::vector<std::string>{"a"});
  expect_damage_refused(bytes, [](std::string_view b) { return decode_batch_record(b); }, 3);
}

TEST(BatchAnswer, NamesEveryKeysTaskInEntryOrder) {
  BatchIntake intake;
  intake.seqs = {5, 3, 5};
  const std::string packed = pack_batch_answer({"x", "old", "dup"}, intake);
  auto body = decode_value(packed.data(), packed.size());
  ASSERT_TRUE(body.ok());
  auto ok = SubmitBatchOk::from_body(*body);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_FALSE(ok->duplicate);
  EXPECT_EQ(ok->task_ids, (std::map<std::string, std::string>{{"x", "t5"}, {"old", "t3"}, {"dup", "t5"}}));
}

}  // namespace
}  // namespace orion::scheduler
