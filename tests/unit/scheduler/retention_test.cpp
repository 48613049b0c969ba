// Retention in simulated time (ManualClock): terminal tasks, their request ids and idempotency
// keys, batch hits and workflows expire after the retention period, in bounded slices, and are
// deleted from the store; what something still needs is kept until that ends. Each turn is the
// service's (tick, workflows' expiry, drain_turn_records) over a store that applies the batch's
// deletions, so a restart from it shows what a real one would hold.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>

#include "common/codec.h"
#include "services/scheduler/batch_record.h"
#include "services/scheduler/replica_state.h"
#include "services/scheduler/retention_mark.h"
#include "services/scheduler/store_load.h"
#include "services/scheduler/task_codec.h"
#include "services/scheduler/workflow_manager.h"
#include "tests/unit/scheduler/memory_log_store.h"

namespace orion::scheduler {
namespace {

constexpr std::int64_t kRetentionMs = 60'000;

class RetentionTest : public ::testing::Test {
 protected:
  RetentionTest() { boot(); }

  void TearDown() override {
    turn();
    auto s = core->check_invariants();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    auto w = wf->check_invariants();
    EXPECT_TRUE(w.ok()) << w.error().to_string();
  }

  CoreOptions options() const {
    CoreOptions o{100, 3, 10};
    o.retention_ms = kRetentionMs;
    o.expire_slice = slice;
    return o;
  }

  // A fresh core and manager from what was stored (a restart), as SchedulerService::start
  // loads it, then what the restore changed written back.
  void boot() {
    wf.reset();
    core = std::make_unique<SchedulerCore>(clock, options());
    wf = std::make_unique<WorkflowManager>(*core, clock);
    auto loaded = load_store(log, *core, *wf, nullptr);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    ASSERT_TRUE(log.append(drain_turn_records(*core, *wf, LogBatch())).ok());
    AgentSpec a;
    a.agent_id = "a1";
    a.capacity = 10;
    core->attach("ident-a1", a);
  }

  // One turn of the service loop: timers, dispatch and the core's expiry; the workflows'
  // expiry; then the turn's records (deletions included) into the store. Answers ASSIGNs.
  LogBatch turn() {
    core->tick();
    wf->expire();
    LogBatch b = drain_turn_records(*core, *wf, LogBatch());
    EXPECT_TRUE(log.append(b).ok());
    for (auto& m : core->outbox().to_agents) {
      if (m.envelope.type != MsgType::ASSIGN) continue;
      auto a = Assign::from_body(body_of(m.envelope));
      sent.push_back({a->task_id, a->attempt});
      last_assign_input = a->input;
    }
    core->outbox().clear();
    return b;
  }

  TaskSpec spec(std::int64_t ttl_ms = -1) {
    TaskSpec s;
    s.type = "echo";
    s.result_ttl_ms = ttl_ms;
    return s;
  }
  std::string submit(TaskSpec s, const std::string& rid) {
    auto r = core->submit(rid, std::move(s));
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? r->task_id : "";
  }
  // Plays the agent: completes every task assigned so far except those in `hold`.
  void complete_all(const std::set<std::string>& hold = {}) {
    turn();
    auto batch = std::move(sent);
    sent.clear();
    for (const auto& [id, attempt] : batch) {
      if (hold.count(id)) {
        sent.emplace_back(id, attempt);
        continue;
      }
      EXPECT_TRUE(core->result(TaskResult{id, attempt, true, Json{{"out", id}}, ""}).accepted) << id;
    }
    turn();
  }
  void advance(std::int64_t ms) {
    for (std::int64_t step_ms; ms > 0; ms -= step_ms) {
      step_ms = std::min<std::int64_t>(ms, 1000);
      clock.advance(step_ms);
      ASSERT_TRUE(core->heartbeat("ident-a1", AgentHeartbeat{"a1", {}, false}).ok());
      turn();
    }
  }
  bool expired(const Result<TaskView>& v) {
    return !v && v.error().code == ErrorCode::NOT_FOUND && v.error().message.find("has expired") != std::string::npos;
  }

  std::size_t slice = 1000;
  ManualClock clock{1000};
  MemoryLogStore log;
  std::map<std::uint64_t, std::string>& store = log.records;  // what is stored, by key
  std::unique_ptr<SchedulerCore> core;
  std::unique_ptr<WorkflowManager> wf;
  std::vector<std::pair<std::string, std::int64_t>> sent;
  Json last_assign_input;  // the input of the last ASSIGN sent
};

TEST_F(RetentionTest, ATerminalTaskItsOutputRequestIdAndKeyExpireAfterTheRetention) {
  TaskSpec s = spec();
  s.idempotency_key = "k1";
  auto id = submit(s, "req-1");
  complete_all();
  ASSERT_EQ(core->get(id)->state, TaskState::COMPLETED);
  EXPECT_EQ(core->get(id)->output, (Json{{"out", id}}));
  const auto seq = *core->seq_of(id);
  EXPECT_TRUE(store.count(seq));

  advance(kRetentionMs - 2000);
  EXPECT_TRUE(core->get(id).ok()) << "kept for the whole retention period";
  advance(3000);
  EXPECT_TRUE(expired(core->get(id))) << (core->get(id) ? "still held" : core->get(id).error().message);
  EXPECT_FALSE(store.count(seq)) << "its record is deleted from the store";
  EXPECT_EQ(core->task_count(), 0u);
  EXPECT_EQ(core->stats(clock.wall_ms()).total, 0) << "an expired task leaves the counts";

  // Its request id and its idempotency key went with it: the same request is a new task now.
  auto again = core->submit("req-1", spec());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->duplicate);
  EXPECT_NE(again->task_id, id);
  TaskSpec keyed = spec();
  keyed.idempotency_key = "k1";
  auto by_key = core->submit("req-2", keyed);
  ASSERT_TRUE(by_key.ok());
  EXPECT_FALSE(by_key->duplicate);
  EXPECT_NE(by_key->task_id, again->task_id);
}

TEST_F(RetentionTest, ARetriedRequestGetsTheSameTaskBeforeItsRecordExpiredAndANewOneAfter) {
  auto id = submit(spec(), "req-retry");
  complete_all();
  advance(kRetentionMs / 2);
  auto before = core->submit("req-retry", spec());
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->duplicate);
  EXPECT_EQ(before->task_id, id);
  advance(kRetentionMs);
  auto after = core->submit("req-retry", spec());
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->duplicate) << "the record expired: a new request";
  EXPECT_NE(after->task_id, id);
}

TEST_F(RetentionTest, ExpiredIdsSayTheyExpiredAndUnknownIdsThatTheyDoNotExist) {
  auto id = submit(spec(), "r");
  complete_all();
  advance(kRetentionMs + 2000);
  EXPECT_TRUE(expired(core->get(id)));
  auto re = core->reprioritize(Reprioritize{id, Priority::HIGH});
  ASSERT_FALSE(re.ok());
  EXPECT_NE(re.error().message.find("has expired"), std::string::npos);
  auto c = core->cancel(Cancel{id, ""});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("has expired"), std::string::npos);
  auto w = core->wait("ident", "w1", WaitTask{id, 1000});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, ErrorCode::NOT_FOUND);
  EXPECT_NE(w.error().message.find("has expired"), std::string::npos);
  auto ws = core->wait_all("ident", "w2", WaitTasks{{id}, 1000});
  ASSERT_FALSE(ws.ok());
  EXPECT_NE(ws.error().message.find("has expired"), std::string::npos);

  auto never = core->get("t999");
  ASSERT_FALSE(never.ok());
  EXPECT_EQ(never.error().code, ErrorCode::NOT_FOUND);
  EXPECT_NE(never.error().message.find("does not exist"), std::string::npos);
  EXPECT_EQ(never.error().message.find("expired"), std::string::npos);

  TaskSpec dependant = spec();
  dependant.depends_on = {id};
  auto dep = core->submit("r-dep", dependant);
  ASSERT_FALSE(dep.ok());
  EXPECT_NE(dep.error().message.find("expired dependency"), std::string::npos) << dep.error().message;
}

TEST_F(RetentionTest, AHeldTaskIsKeptPastItsDueTimeAndExpiresOnceReleased) {
  auto id = submit(spec(), "held");
  complete_all();
  const auto seq = *core->seq_of(id);
  core->hold({seq});
  advance(kRetentionMs + 5000);
  EXPECT_TRUE(core->get(id).ok()) << "held: kept past its due time";
  core->release_hold({seq});
  turn();
  EXPECT_TRUE(expired(core->get(id))) << "released when overdue: expires at once";
}

TEST_F(RetentionTest, TheCoreResolvesAStepInputFromTheStepTableItWasGiven) {
  auto a = submit(spec(), "step-a");
  TaskSpec b = spec();
  b.depends_on = {a};
  b.input = Json{{"x", "${steps.first.output.out}"}};
  auto bid = submit(b, "step-b");
  auto steps = std::make_shared<SchedulerCore::StepTable>();
  steps->workflow_id = "w9";
  steps->names = {"first", "second"};
  steps->seqs = {{"first", *core->seq_of(a)}, {"second", *core->seq_of(bid)}};
  core->resolve_input_from(*core->seq_of(bid), steps, 1);
  complete_all();  // a completes; b is assigned with its reference resolved
  turn();
  ASSERT_EQ(core->get(bid)->state, TaskState::ASSIGNED);
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back().first, bid);
  EXPECT_EQ(last_assign_input, (Json{{"x", a}})) << last_assign_input.dump();

  // A reference to a step that is not COMPLETED fails the task with the workflow's words.
  TaskSpec c = spec();
  c.input = Json{{"y", "${steps.second.output}"}};
  auto cid = submit(c, "step-c");
  core->resolve_input_from(*core->seq_of(cid), steps, 1);
  turn();
  auto v = core->get(cid);
  ASSERT_EQ(v->state, TaskState::FAILED);
  EXPECT_NE(v->error.find("workflow w9 step second: "), std::string::npos) << v->error;
}

TEST_F(RetentionTest, ATaskIsKeptWhileADependantIsPendingAndExpiresOnceItEnded) {
  auto first = submit(spec(), "r-first");
  complete_all();
  TaskSpec later = spec();
  later.depends_on = {first};
  later.capabilities = {"nobody-has-this"};  // stays PENDING
  auto second = submit(later, "r-second");
  advance(kRetentionMs + 5000);
  EXPECT_TRUE(core->get(first).ok()) << "its pending dependant keeps it";
  ASSERT_EQ(core->get(second)->state, TaskState::PENDING);
  ASSERT_TRUE(core->cancel(Cancel{second, "no longer needed"}).ok());
  turn();
  turn();
  EXPECT_TRUE(expired(core->get(first))) << "overdue: gone as soon as nothing needs it";
  EXPECT_TRUE(core->get(second).ok()) << "the dependant has its own retention, from when it ended";
  advance(kRetentionMs + 1000);
  EXPECT_TRUE(expired(core->get(second)));
}

TEST_F(RetentionTest, PerTaskResultTtlShorterAndLongerThanTheServicesRetention) {
  auto short_lived = submit(spec(5'000), "r-short");
  auto long_lived = submit(spec(3 * kRetentionMs), "r-long");
  auto plain = submit(spec(), "r-plain");
  complete_all();
  advance(6'000);
  EXPECT_TRUE(expired(core->get(short_lived)));
  EXPECT_TRUE(core->get(plain).ok());
  advance(kRetentionMs);
  EXPECT_TRUE(expired(core->get(plain)));
  EXPECT_TRUE(core->get(long_lived).ok());
  advance(2 * kRetentionMs);
  EXPECT_TRUE(expired(core->get(long_lived)));
}

TEST_F(RetentionTest, OneTurnRemovesAtMostTheSliceOldestFirst) {
  std::vector<std::string> ids;
  std::vector<BatchEntry> entries;
  for (int i = 0; i < 5000; ++i) {
    BatchEntry e{"k" + std::to_string(i), spec()};
    entries.push_back(std::move(e));
  }
  auto ok = core->submit_batch("", std::move(entries));
  ASSERT_TRUE(ok.ok());
  turn();
  for (int i = 1; i <= 5000; ++i) ASSERT_TRUE(core->cancel(Cancel{"t" + std::to_string(i), "done with"}).ok());
  turn();
  ASSERT_EQ(core->stats(clock.wall_ms()).by_state["CANCELLED"], 5000);
  clock.advance(kRetentionMs + 1);
  ASSERT_TRUE(core->heartbeat("ident-a1", AgentHeartbeat{"a1", {}, false}).ok());
  const std::size_t before = core->task_count();
  LogBatch b = turn();
  std::size_t deletions = 0;
  for (const auto& [key, bytes] : b.records) deletions += bytes.empty() && log_kind(key) == 0;
  EXPECT_EQ(before - core->task_count(), slice) << "one turn: the bound";
  EXPECT_EQ(deletions, slice);
  EXPECT_TRUE(expired(core->get("t1"))) << "oldest first";
  EXPECT_TRUE(core->get("t" + std::to_string(slice + 1)).ok());
  for (int i = 0; i < 4; ++i) turn();
  EXPECT_EQ(core->task_count(), 0u);
  EXPECT_EQ(core->expiry_index_size(), 0u);
}

TEST_F(RetentionTest, AWorkflowIsKeptWhileRunningAndExpiresWithItsStepsAfter) {
  auto spec_json = Json{{"name", "two"},
                        {"steps", {Json{{"name", "a"}, {"type", "echo"}},
                                   Json{{"name", "b"}, {"type", "echo"}, {"depends_on", {"a"}}}}}};
  auto ws = WorkflowSpec::from_json(spec_json);
  ASSERT_TRUE(ws.ok());
  auto run = wf->run("wf-1", *ws);
  ASSERT_TRUE(run.ok());
  const std::string a = run->task_ids.at("a"), b = run->task_ids.at("b");
  complete_all({});  // a completes; b becomes ready
  turn();
  complete_all({b});  // b is assigned and held: the workflow runs on
  advance(2 * kRetentionMs);
  EXPECT_TRUE(core->get(a).ok()) << "a step of a running workflow is kept";
  EXPECT_EQ(wf->get(run->workflow_id)->state, WorkflowState::RUNNING);
  complete_all();  // b completes: the workflow ends now
  ASSERT_EQ(wf->get(run->workflow_id)->state, WorkflowState::COMPLETED);
  advance(kRetentionMs - 2000);
  EXPECT_TRUE(wf->get(run->workflow_id).ok());
  EXPECT_TRUE(core->get(a).ok()) << "its workflow keeps it";
  advance(4000);
  auto gone = wf->get(run->workflow_id);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::NOT_FOUND);
  EXPECT_NE(gone.error().message.find("has expired"), std::string::npos) << gone.error().message;
  turn();
  EXPECT_TRUE(expired(core->get(a))) << "released with the workflow, overdue";
  EXPECT_TRUE(expired(core->get(b)));
  auto never = wf->get("w99");
  ASSERT_FALSE(never.ok());
  EXPECT_NE(never.error().message.find("does not exist"), std::string::npos);
  // Its request id went with it: the same run request is a new workflow.
  auto again = wf->run("wf-1", *ws);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->duplicate);
  EXPECT_NE(again->workflow_id, run->workflow_id);
}

TEST_F(RetentionTest, ABatchsRequestIdAndHitsExpireWithItsLastTask) {
  TaskSpec keyed = spec();
  keyed.idempotency_key = "shared";
  auto old = submit(keyed, "r-old");
  std::vector<BatchEntry> entries{{"hit", keyed}, {"new", spec()}};
  auto ok = core->submit_batch("batch-1", std::move(entries));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->task_ids.at("hit"), old);
  complete_all();
  complete_all();
  bool hits_stored = false;
  for (const auto& [key, bytes] : store) hits_stored = hits_stored || log_kind(key) == kBatchHitsKind;
  EXPECT_TRUE(hits_stored);
  std::vector<BatchEntry> retry{{"hit", keyed}, {"new", spec()}};
  auto dup = core->submit_batch("batch-1", retry);
  ASSERT_TRUE(dup.ok());
  EXPECT_TRUE(dup->duplicate);
  advance(kRetentionMs + 2000);
  turn();
  EXPECT_EQ(core->task_count(), 0u);
  for (const auto& [key, bytes] : store) EXPECT_NE(log_kind(key), kBatchHitsKind) << "its hits record is deleted";
  auto fresh = core->submit_batch("batch-1", retry);
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->duplicate) << "the batch's request id expired with its tasks";
}

TEST_F(RetentionTest, ABatchMadeAgainFromItsRecordAtARestartStillExpiresItsRequestIdWithItsLastTask) {
  // Taken in as the service takes an ungated batch: one batch record, tasks made after.
  std::vector<BatchEntry> entries{{"a", spec()}, {"b", spec()}};
  BatchIntake intake;
  ASSERT_TRUE(core->accept_batch("batch-r", entries, {}, &intake).ok());
  ASSERT_TRUE(intake.recorded);
  SubmitBatch body;
  body.tasks = entries;
  LogBatch record;
  record.put(log_key(kBatchRecordKind, intake.first), encode_batch_record(intake, encode_value(body.to_body())));
  ASSERT_TRUE(log.append(record).ok());
  while (core->apply_batches(1000)) {
  }
  // Restarted before any of its tasks changed (none has a record of its own): they are made
  // again from the batch record alone.
  boot();
  ASSERT_EQ(core->task_count(), 2u);
  auto dup = core->submit_batch("batch-r", entries);
  ASSERT_TRUE(dup.ok()) << dup.error().to_string();
  EXPECT_TRUE(dup->duplicate) << "the retry before expiry is the same batch";
  complete_all();
  complete_all();
  advance(kRetentionMs + 2000);
  turn();
  EXPECT_EQ(core->task_count(), 0u);
  auto fresh = core->submit_batch("batch-r", entries);
  ASSERT_TRUE(fresh.ok()) << fresh.error().to_string();
  EXPECT_FALSE(fresh->duplicate) << "the request id of a batch restored from its record expired with its tasks";
}

TEST_F(RetentionTest, ARestartAfterExpiryResurrectsNothingAndReusesNoId) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(submit(spec(), "r" + std::to_string(i)));
  complete_all();
  advance(kRetentionMs + 2000);
  for (const auto& id : ids) ASSERT_TRUE(expired(core->get(id)));
  boot();
  for (const auto& id : ids) EXPECT_TRUE(expired(core->get(id))) << id << " after a restart";
  EXPECT_EQ(core->task_count(), 0u);
  auto next = submit(spec(), "r-next");
  EXPECT_EQ(next, "t4") << "the newest expired ids are not handed out again";
}

// The same over a real SQLite file: every turn's batch appended to a SqliteLogStore, the
// restart replayed from it.
TEST(RetentionSqliteTest, ARestartFromSqliteAfterExpiryDoesNotResurrectExpiredTasks) {
  const auto dir = std::filesystem::temp_directory_path() / ("orion-retention-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "scheduler.db").string();
  ManualClock clock(1000);
  CoreOptions o{100, 3, 10};
  o.retention_ms = 10'000;
  std::string kept_id, gone_id;
  {
    auto log = SqliteLogStore::open(path);
    ASSERT_TRUE(log.ok()) << log.error().to_string();
    SchedulerCore core(clock, o);
    WorkflowManager wf(core, clock);
    AgentSpec a;
    a.agent_id = "a1";
    a.capacity = 10;
    core.attach("ident-a1", a);
    auto persist = [&] { ASSERT_TRUE((*log)->append(drain_turn_records(core, wf, LogBatch())).ok()); };
    TaskSpec plain;
    plain.type = "echo";
    gone_id = core.submit("r-gone", plain)->task_id;
    TaskSpec long_lived;
    long_lived.type = "echo";
    long_lived.result_ttl_ms = 1'000'000;
    kept_id = core.submit("r-kept", long_lived)->task_id;
    core.tick();
    for (auto& m : core.outbox().to_agents) {
      auto as = Assign::from_body(body_of(m.envelope));
      core.result(TaskResult{as->task_id, as->attempt, true, "done", ""});
    }
    core.outbox().clear();
    persist();
    clock.advance(11'000);
    ASSERT_TRUE(core.heartbeat("ident-a1", AgentHeartbeat{"a1", {}, false}).ok());
    core.tick();
    persist();
    ASSERT_FALSE(core.get(gone_id).ok());
  }
  auto log = SqliteLogStore::open(path);
  ASSERT_TRUE(log.ok());
  SchedulerCore core(clock, o);
  WorkflowManager wf(core, clock);
  LoadPhases loaded;
  auto s = load_store(**log, core, wf, &loaded);
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(loaded.task_records, 1u) << "only the task with the longer result_ttl_ms is in the file";
  EXPECT_TRUE(core.get(kept_id).ok());
  auto gone = core.get(gone_id);
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.error().message.find("has expired"), std::string::npos) << gone.error().message;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace orion::scheduler
