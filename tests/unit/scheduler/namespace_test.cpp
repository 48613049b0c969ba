// Namespaces and fair share in the scheduler core, in simulated time (scheduler_core.h
// "Namespaces", docs/protocol.md section 19): under contention one agent slot is shared between
// namespaces by weight (within 5% over 3,000 dispatches), none starves, priorities still order
// work inside a namespace; a namespace's on_exhausted default parks its tasks that leave it out;
// listing and statistics filter by namespace; NamespaceBook's records carry the settings.
#include <gtest/gtest.h>

#include <map>

#include "services/scheduler/namespace_book.h"
#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {
namespace {

class NamespaceTest : public ::testing::Test {
 protected:
  void TearDown() override {
    auto s = core.check_invariants();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    auto b = book.check_invariants();
    EXPECT_TRUE(b.ok()) << b.error().to_string();
  }
  static TaskSpec spec(const std::string& ns, Priority p = Priority::NORMAL, const std::string& type = "work") {
    TaskSpec s;
    s.type = type;
    s.ns = ns;
    s.priority = p;
    return s;
  }
  std::string submit(TaskSpec s) {
    auto r = core.submit("r" + std::to_string(++n_), std::move(s));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? r->task_id : "";
  }
  void attach(const std::string& id, int capacity) {
    AgentSpec a;
    a.agent_id = id;
    a.capacity = capacity;
    core.attach("ident-" + id, a);
  }
  void set(const std::string& ns, double weight, const std::string& on_exhausted = "fail") {
    SetNamespace m;
    m.ns = ns;
    m.weight = weight;
    m.on_exhausted = on_exhausted;
    auto r = book.set(m);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
  }
  std::vector<std::pair<std::string, std::int64_t>> assigned() {
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (auto& m : core.outbox().to_agents) {
      if (m.envelope.type != MsgType::ASSIGN) continue;
      auto a = Assign::from_body(body_of(m.envelope));
      out.emplace_back(a->task_id, a->attempt);
    }
    core.outbox().clear();
    return out;
  }
  // Runs `dispatches` assignments one at a time (each completed before the next tick) and
  // returns the namespace of each, in order.
  std::vector<std::string> run(int dispatches) {
    std::vector<std::string> order;
    for (int i = 0; i < dispatches; ++i) {
      core.tick();
      auto a = assigned();
      if (a.empty()) break;
      for (const auto& [id, attempt] : a) {
        order.push_back(core.get(id)->spec.ns);
        core.result(TaskResult{id, attempt, true, nullptr, ""});
      }
      clock.advance(1);
    }
    return order;
  }

  int n_ = 0;
  ManualClock clock{1000};
  SchedulerCore core{clock, CoreOptions{100, 1000, 10}};
  NamespaceBook book{core};
};

TEST_F(NamespaceTest, UnderContentionOneSlotIsSharedByWeightWithinFivePerCent) {
  set("gold", 2);
  set("bronze", 1);
  for (int i = 0; i < 3000; ++i) submit(spec("gold")), submit(spec("bronze"));  // a backlog in each all along
  attach("a1", 1);
  auto order = run(3000);
  ASSERT_EQ(order.size(), 3000u);
  std::map<std::string, int> served;
  for (const auto& ns : order) ++served[ns];
  const double ratio = static_cast<double>(served["gold"]) / served["bronze"];
  EXPECT_NEAR(ratio, 2.0, 0.1) << served["gold"] << ":" << served["bronze"];
  // Stride scheduling is smooth too: every window of 30 dispatches holds 20 +- 1 of gold's.
  for (std::size_t start = 0; start + 30 <= order.size(); start += 30) {
    int gold = 0;
    for (std::size_t i = start; i < start + 30; ++i) gold += order[i] == "gold";
    EXPECT_NEAR(gold, 20, 1) << "window at " << start;
  }
  EXPECT_EQ(core.fair_share().slots("gold"), static_cast<std::uint64_t>(served["gold"]));
}

TEST_F(NamespaceTest, ANamespaceOfWeightOneIsNotStarvedByOneOfWeightAThousand) {
  set("heavy", 1000);
  set("light", 1);
  for (int i = 0; i < 3000; ++i) submit(spec("heavy"));
  for (int i = 0; i < 10; ++i) submit(spec("light"));
  attach("a1", 1);
  auto order = run(3000);
  std::size_t last = 0;
  int light = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (order[i] != "light") continue;
    ++light;
    EXPECT_LE(i - last, 1003u) << "light waited more than one round of heavy's slots";
    last = i;
  }
  EXPECT_GE(light, 2);  // about 3000 / 1001 rounds
  EXPECT_LE(light, 4);
}

TEST_F(NamespaceTest, EqualWeightsAlternateAndANewcomerBanksNoIdleCredit) {
  for (int i = 0; i < 100; ++i) submit(spec("a"));
  attach("a1", 1);
  auto first = run(50);  // a alone: every slot is a's
  EXPECT_EQ(std::count(first.begin(), first.end(), "a"), 50);
  for (int i = 0; i < 100; ++i) submit(spec("b"));
  auto next = run(20);
  // b joins at a's pass: it does not get 50 slots in a row to catch up, they alternate.
  EXPECT_EQ(std::count(next.begin(), next.end(), "b"), 10);
}

TEST_F(NamespaceTest, PrioritiesStillOrderWorkInsideANamespace) {
  set("x", 1);
  set("y", 1);
  auto low = submit(spec("x", Priority::LOW));
  auto urgent = submit(spec("x", Priority::URGENT));
  auto y1 = submit(spec("y", Priority::LOW));
  auto high = submit(spec("x", Priority::HIGH));
  attach("a1", 1);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    core.tick();
    auto a = assigned();
    ASSERT_EQ(a.size(), 1u);
    ids.push_back(a[0].first);
    core.result(TaskResult{a[0].first, a[0].second, true, nullptr, ""});
  }
  std::vector<std::string> x_order;
  for (const auto& id : ids) {
    if (id != y1) x_order.push_back(id);
  }
  EXPECT_EQ(x_order, (std::vector<std::string>{urgent, high, low}));
  EXPECT_EQ(ids[0] == y1 || ids[1] == y1, true) << "y is served within the first two slots";
}

TEST_F(NamespaceTest, ATaskThatLeavesOnExhaustedOutTakesItsNamespacesDefault) {
  set("dlq", 1, "park");
  attach("a1", 4);
  auto by_default = submit(spec("dlq"));
  TaskSpec says_fail = spec("dlq");
  says_fail.on_exhausted = "fail";
  auto explicit_fail = submit(says_fail);
  auto elsewhere = submit(spec("default"));
  core.tick();
  for (const auto& [id, attempt] : assigned()) core.result(TaskResult{id, attempt, false, nullptr, "boom"});
  EXPECT_EQ(core.get(by_default)->state, TaskState::PARKED);
  EXPECT_EQ(core.get(by_default)->error, "boom");
  EXPECT_EQ(core.get(explicit_fail)->state, TaskState::FAILED);
  EXPECT_EQ(core.get(elsewhere)->state, TaskState::FAILED);
  // Reset: the next one fails.
  ASSERT_TRUE(book.remove("dlq").ok());
  auto after = submit(spec("dlq"));
  core.tick();
  for (const auto& [id, attempt] : assigned()) core.result(TaskResult{id, attempt, false, nullptr, "boom"});
  EXPECT_EQ(core.get(after)->state, TaskState::FAILED);
}

TEST_F(NamespaceTest, ListingAndStatisticsFilterByNamespace) {
  auto a1 = submit(spec("a"));
  auto a2 = submit(spec("a"));
  auto b1 = submit(spec("b"));
  ListTasks q;
  q.ns = "a";
  auto list = core.list(q);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->tasks.size(), 2u);
  EXPECT_EQ(list->tasks[0].task_id, a1);
  EXPECT_EQ(list->tasks[1].task_id, a2);
  EXPECT_EQ(list->tasks[0].spec.ns, "a");
  attach("w", 1);
  core.tick();
  assigned();
  auto all = core.stats(clock.wall_ms());
  EXPECT_EQ(all.total, 3);
  EXPECT_EQ(all.by_namespace.size(), 2u);
  EXPECT_EQ(all.by_namespace["a"]["ASSIGNED"] + all.by_namespace["a"]["PENDING"], 2);
  EXPECT_EQ(all.by_namespace["b"]["PENDING"] + all.by_namespace["b"]["ASSIGNED"], 1);
  auto only_b = core.stats(clock.wall_ms(), "b");
  EXPECT_EQ(only_b.ns, "b");
  EXPECT_EQ(only_b.total, 1);
  EXPECT_TRUE(only_b.types.empty());
  auto none = core.stats(clock.wall_ms(), "nobody");
  EXPECT_EQ(none.total, 0);
  EXPECT_TRUE(none.by_namespace.empty());
  bool more = true;
  auto views = core.namespace_views(&more);
  EXPECT_FALSE(more);
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[0].ns, "a");
  EXPECT_FALSE(views[0].configured);
  EXPECT_EQ(views[1].counts["PENDING"] + views[1].counts["ASSIGNED"], 1);
  (void)b1;
}

TEST_F(NamespaceTest, BadNamesAndWeightsAreRefusedAndChangeNothing) {
  for (const char* bad : {"", "a b", "a/b", "\xc3\xbc"}) {
    Json j{{"type", "t"}, {"namespace", bad}};
    auto s = TaskSpec::from_json(j);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(s.error().message.find("namespace"), std::string::npos);
  }
  EXPECT_FALSE(TaskSpec::from_json(Json{{"type", "t"}, {"namespace", std::string(65, 'x')}}).ok());
  EXPECT_EQ(TaskSpec::from_json(Json{{"type", "t"}})->ns, "default");
  EXPECT_EQ(TaskSpec::from_json(Json{{"type", "t"}, {"namespace", "a.b-c_9"}})->ns, "a.b-c_9");
  SetNamespace m;
  m.ns = "x";
  m.weight = 5000;
  auto r = book.set(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
  m.ns = "a b";
  m.weight = 1;
  EXPECT_FALSE(book.set(m).ok());
  EXPECT_TRUE(core.namespace_settings().empty());
  EXPECT_EQ(book.size(), 0u);
}

TEST_F(NamespaceTest, TheBooksRecordsRebuildTheSettingsElsewhere) {
  set("gold", 3, "park");
  set("bronze", 0.5);
  std::map<std::uint64_t, std::string> log;
  book.drain_dirty([&](std::uint64_t key, std::string rec) { log[key] = std::move(rec); });
  ASSERT_TRUE(book.remove("bronze").ok());
  book.drain_dirty([&](std::uint64_t key, std::string rec) {
    EXPECT_TRUE(rec.empty());
    log.erase(key);
  });
  SchedulerCore other{clock, CoreOptions{}};
  NamespaceBook other_book{other};
  for (const auto& [key, rec] : log) ASSERT_TRUE(other_book.apply_record(log_id(key), rec).ok());
  ASSERT_EQ(other.namespace_settings().size(), 1u);
  EXPECT_EQ(other.namespace_settings().at("gold").weight, 3);
  EXPECT_TRUE(other.namespace_settings().at("gold").park);
  EXPECT_EQ(other.fair_share().weight("gold"), 3);
  EXPECT_TRUE(other_book.check_invariants().ok());
  EXPECT_FALSE(other_book.apply_record(99, "not msgpack").ok());
}

TEST_F(NamespaceTest, AStoredTaskWithoutANamespaceReadsAsDefault) {
  // A TaskSpec written before namespaces (no key) reads as "default"; one in "default" is
  // written without the key, so the stored bytes of old tasks do not change.
  auto s = TaskSpec::from_json(Json{{"type", "t"}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->ns, "default");
  EXPECT_FALSE(s->to_json().contains("namespace"));
  s->ns = "x";
  EXPECT_EQ(s->to_json().at("namespace"), "x");
}

}  // namespace
}  // namespace orion::scheduler
