// LimitBook (limit_book.h): SET_LIMIT, DELETE_LIMIT and LIST_LIMITS as the service answers them,
// the records a turn writes, and a new core and book that load them holding the same rules.
#include <gtest/gtest.h>

#include <map>

#include "services/scheduler/limit_book.h"
#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {
namespace {

class LimitBookTest : public ::testing::Test {
 protected:
  void TearDown() override {
    auto s = book.check_invariants();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
  }
  Envelope ask(LimitBook& b, MsgType type, Json body) { return b.handle(Envelope{type, "r" + std::to_string(++n_), std::move(body)}); }
  static ErrorCode code(const Envelope& e) { return e.type == MsgType::ERROR ? error_from_body(e.body).code : ErrorCode::UNKNOWN; }
  // The records drained, as a store holds them (a deletion erases).
  void drain(LimitBook& b) {
    b.drain_dirty([&](std::uint64_t key, std::string rec) {
      if (rec.empty()) store.erase(key);
      else store[key] = std::move(rec);
    });
  }

  int n_ = 0;
  ManualClock clock{1000};
  SchedulerCore core{clock, CoreOptions{}};
  LimitBook book{core};
  std::map<std::uint64_t, std::string> store;
};

TEST_F(LimitBookTest, ASetRuleIsAnsweredWithItsCountsAndListedByPattern) {
  auto ok = ask(book, MsgType::SET_LIMIT, Json{{"pattern", "customer-*"}, {"max_running", 5}});
  ASSERT_EQ(ok.type, MsgType::LIMIT_OK) << ok.body.dump();
  EXPECT_EQ(LimitOk::from_body(ok.body)->limit.max_running, 5);
  ask(book, MsgType::SET_LIMIT, Json{{"pattern", "api"}, {"rate", 10}, {"period_ms", 1000}});
  ask(book, MsgType::SET_LIMIT, Json{{"pattern", "api"}, {"rate", 20}, {"period_ms", 1000}});  // replaced in place
  auto list = LimitList::from_body(ask(book, MsgType::LIST_LIMITS, Json::object()).body);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->limits.size(), 2u);
  EXPECT_EQ(list->limits[0].pattern, "api");
  EXPECT_EQ(list->limits[0].rate, 20);
  EXPECT_EQ(list->limits[1].pattern, "customer-*");
  auto page = LimitList::from_body(ask(book, MsgType::LIST_LIMITS, Json{{"limit", 1}}).body);
  EXPECT_EQ(page->next, "api");
  EXPECT_EQ(LimitList::from_body(ask(book, MsgType::LIST_LIMITS, Json{{"after", "api"}}).body)->limits.size(), 1u);
  EXPECT_EQ(core.limits().rules().size(), 2u);
}

TEST_F(LimitBookTest, BadRequestsAreRefusedWithACodeAndChangeNothing) {
  for (const Json& body : {Json{{"pattern", "a b"}, {"max_running", 1}}, Json{{"pattern", "a*b"}, {"max_running", 1}},
                           Json{{"pattern", "k"}}, Json{{"pattern", "k"}, {"rate", 1}},
                           Json{{"pattern", "k"}, {"max_running", 1}, {"period_ms", 10}},
                           Json{{"pattern", "k"}, {"max_running", -1}}, Json{{"pattern", "k"}, {"max_running", 1'000'001}},
                           Json{{"pattern", std::string(130, 'k')}, {"max_running", 1}}, Json{{"max_running", 1}}}) {
    auto r = ask(book, MsgType::SET_LIMIT, body);
    EXPECT_EQ(code(r), ErrorCode::INVALID_ARGUMENT) << body.dump() << " " << r.body.dump();
  }
  EXPECT_EQ(code(ask(book, MsgType::DELETE_LIMIT, Json{{"pattern", "nope"}})), ErrorCode::NOT_FOUND);
  EXPECT_EQ(book.size(), 0u);
  drain(book);
  EXPECT_TRUE(store.empty());
}

TEST_F(LimitBookTest, TheStoredRecordsGiveANewCoreTheSameRules) {
  ask(book, MsgType::SET_LIMIT, Json{{"pattern", "a"}, {"max_running", 1}});
  ask(book, MsgType::SET_LIMIT, Json{{"pattern", "b*"}, {"max_running", 2}, {"rate", 3}, {"period_ms", 60'000}});
  ask(book, MsgType::SET_LIMIT, Json{{"pattern", "c"}, {"max_running", 3}});
  drain(book);
  EXPECT_EQ(store.size(), 4u);  // three rules and the counter
  ASSERT_EQ(ask(book, MsgType::DELETE_LIMIT, Json{{"pattern", "c"}}).type, MsgType::DELETE_LIMIT_OK);
  ask(book, MsgType::SET_LIMIT, Json{{"pattern", "a"}, {"max_running", 7}});
  drain(book);
  EXPECT_EQ(store.size(), 3u);
  // A restart: a new core and book load the records (in key order, as the store replays them).
  SchedulerCore again_core{clock, CoreOptions{}};
  LimitBook again{again_core};
  for (const auto& [key, bytes] : store) ASSERT_TRUE(again.apply_record(log_id(key), bytes).ok());
  auto s = again.check_invariants();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  auto rules = again_core.limits().rules();
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].pattern, "a");
  EXPECT_EQ(rules[0].max_running, 7);
  EXPECT_EQ(rules[1].pattern, "b*");
  EXPECT_EQ(rules[1].period_ms, 60'000);
  // A rule set after the restart takes a seq not handed out before; a deletion applied deletes.
  ask(again, MsgType::SET_LIMIT, Json{{"pattern", "d"}, {"max_running", 1}});
  drain(again);
  EXPECT_EQ(store.size(), 4u);
  ASSERT_TRUE(again.apply_record(log_id(store.rbegin()->first), "").ok());
  EXPECT_EQ(again_core.limits().rules().size(), 2u);
  EXPECT_FALSE(again.apply_record(5, "not msgpack").ok());
}

}  // namespace
}  // namespace orion::scheduler
