// services/scheduler/key_limits.*: concurrency and rate limits per key, in simulated time (every
// "now" is an argument).
#include "services/scheduler/key_limits.h"

#include <random>

#include <gtest/gtest.h>

namespace orion::scheduler {
namespace {

using Keys = std::vector<std::string>;

KeyLimits with(std::initializer_list<LimitRule> rules) {
  KeyLimits l;
  for (const auto& r : rules) EXPECT_TRUE(l.set_rule(r).ok()) << r.pattern;
  return l;
}

TEST(KeyLimits, AConcurrencyLimitHoldsTheNextStartUntilARunningTaskEnds) {
  auto l = with({{"customer-42", 2, 0, 0}});
  const Keys k{"customer-42"};
  EXPECT_FALSE(l.check(k, 0));
  l.acquire(k, 0);
  EXPECT_FALSE(l.check(k, 0));
  l.acquire(k, 0);
  auto wait = l.check(k, 0);
  ASSERT_TRUE(wait);
  EXPECT_TRUE(wait->concurrency);
  EXPECT_EQ(wait->reason, "limit customer-42: 2 of 2 running");
  l.release(k);
  EXPECT_FALSE(l.check(k, 0));
  EXPECT_EQ(l.running("customer-42"), 1);
}

TEST(KeyLimits, APrefixRuleGivesEachKeyALimitOfItsOwn) {
  auto l = with({{"customer-*", 1, 0, 0}});
  l.acquire({"customer-1"}, 0);
  EXPECT_TRUE(l.check({"customer-1"}, 0));
  EXPECT_FALSE(l.check({"customer-2"}, 0));
  EXPECT_FALSE(l.check({"other"}, 0));  // no rule: unlimited
}

TEST(KeyLimits, TheExactRuleWinsThenTheLongestPrefix) {
  auto l = with({{"c*", 1, 0, 0}, {"customer-*", 3, 0, 0}, {"customer-42", 5, 0, 0}});
  EXPECT_EQ(l.rule_for("customer-42")->max_running, 5);
  EXPECT_EQ(l.rule_for("customer-7")->max_running, 3);
  EXPECT_EQ(l.rule_for("cx")->max_running, 1);
  EXPECT_EQ(l.rule_for("x"), nullptr);
}

TEST(KeyLimits, EveryKeyOfATaskMustAllowIt) {
  auto l = with({{"a", 1, 0, 0}, {"b", 1, 0, 0}});
  l.acquire({"b"}, 0);
  auto wait = l.check({"a", "b"}, 0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(wait->key, "b");
}

TEST(KeyLimits, ARateLimitStartsNPerPeriodThenOneAsEachTokenComes) {
  auto l = with({{"api", 0, 5, 1000}});
  const Keys k{"api"};
  for (int i = 0; i < 5; ++i) {
    ASSERT_FALSE(l.check(k, 0)) << i;
    l.acquire(k, 0);
    l.release(k);  // ran and ended at once: only the rate holds it
  }
  auto wait = l.check(k, 0);
  ASSERT_TRUE(wait);
  EXPECT_FALSE(wait->concurrency);
  EXPECT_EQ(wait->until_ms, 200);  // one token per 200 ms
  EXPECT_TRUE(l.check(k, 199));
  EXPECT_FALSE(l.check(k, 200));
}

TEST(KeyLimits, StartsNeverExceedTheRateOverAnyWindowOfOnePeriod) {
  auto l = with({{"api", 0, 10, 1000}});
  const Keys k{"api"};
  std::vector<std::int64_t> starts;
  for (std::int64_t now = 0; now < 20'000; now += 7) {
    while (!l.check(k, now)) {
      l.acquire(k, now);
      l.release(k);
      starts.push_back(now);
    }
  }
  // Burst of 10 at the start, then 10 per second: in any 1 s window at most 10 + 10 (a full
  // bucket spent plus what refills during the window) and over the run about 10 per second.
  std::size_t j = 0;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    while (starts[j] + 1000 <= starts[i]) ++j;
    ASSERT_LE(i - j + 1, 20u);
  }
  EXPECT_NEAR(static_cast<double>(starts.size()), 10 + 10 * 20.0, 2);
}

TEST(KeyLimits, RunningTasksAreCountedUnderKeysWithoutARuleSoALaterRuleSeesThem) {
  KeyLimits l;
  l.acquire({"k"}, 0);
  l.acquire({"k"}, 0);
  ASSERT_TRUE(l.set_rule({"k", 2, 0, 0}).ok());
  EXPECT_TRUE(l.check({"k"}, 0));
  ASSERT_TRUE(l.set_rule({"k", 1, 0, 0}).ok());  // lowered below the count: held until under it
  l.release({"k"});
  EXPECT_TRUE(l.check({"k"}, 0));
  l.release({"k"});
  EXPECT_FALSE(l.check({"k"}, 0));
  EXPECT_EQ(l.keys_held(), 0u);
}

TEST(KeyLimits, ANewTermStartsBucketsEmptyAndRestoredTasksCountWithoutTokens) {
  auto l = with({{"api", 2, 4, 1000}});
  l.acquire({"api"}, 0);
  l.begin_term(10'000);             // a new leader: counts rebuilt from its running tasks
  l.acquire({"api"}, 10'000, false);
  EXPECT_EQ(l.running("api"), 1);
  auto wait = l.check({"api"}, 10'000);
  ASSERT_TRUE(wait);                // empty bucket: the old leader may have spent it
  EXPECT_EQ(wait->until_ms, 10'250);
  EXPECT_FALSE(l.check({"api"}, 10'250));
  EXPECT_FALSE(l.check({"fresh"}, 10'000));  // no rule: unlimited
}

TEST(KeyLimits, AKeyFirstSeenAPeriodAfterTheTermBeganStartsWithAFullBucket) {
  auto l = with({{"api-*", 0, 3, 1000}});
  l.begin_term(0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(l.check({"api-new"}, 5'000)) << i;
    l.acquire({"api-new"}, 5'000);
  }
  EXPECT_TRUE(l.check({"api-new"}, 5'000));
}

TEST(KeyLimits, IdleKeysAreDroppedSoStateStaysBounded) {
  auto l = with({{"c-*", 1, 1, 1000}});
  for (int i = 0; i < 1000; ++i) {
    const Keys k{"c-" + std::to_string(i)};
    ASSERT_FALSE(l.check(k, 0));
    l.acquire(k, 0);
    l.release(k);
  }
  EXPECT_EQ(l.keys_held(), 1000u);  // their buckets are refilling
  l.trim(1000);
  EXPECT_EQ(l.keys_held(), 0u);
  EXPECT_TRUE(l.check_invariants().ok());
}

TEST(KeyLimits, BadRulesAreRefusedWithTheReason) {
  KeyLimits l;
  auto refused = [&](const LimitRule& r) {
    auto s = l.set_rule(r);
    EXPECT_FALSE(s.ok()) << r.pattern;
    return s.ok() ? std::string() : s.error().message;
  };
  EXPECT_NE(refused({"", 1, 0, 0}).find("pattern"), std::string::npos);
  EXPECT_NE(refused({"a*b", 1, 0, 0}).find("'*' may only end it"), std::string::npos);
  EXPECT_NE(refused({"a", 0, 0, 0}).find("limits nothing"), std::string::npos);
  EXPECT_NE(refused({"a", 0, 5, 0}).find("period_ms"), std::string::npos);
  EXPECT_NE(refused({"a", -1, 0, 0}).find("max_running"), std::string::npos);
  EXPECT_TRUE(l.rules().empty());
}

// Random starts, ends, retries (release then acquire again) and agent losses (release of all a
// lost agent ran): the count never passes the limit, and ends at zero.
TEST(KeyLimits, TheLimitIsNeverExceededAcrossRandomStartsRetriesAndLosses) {
  auto l = with({{"k", 3, 0, 0}});
  std::mt19937 rng(7);
  std::vector<int> agent_of;  // running tasks, by the agent running them
  for (int step = 0; step < 20'000; ++step) {
    const int op = static_cast<int>(rng() % 4);
    if (op <= 1 && !l.check({"k"}, step)) {
      l.acquire({"k"}, step);
      agent_of.push_back(static_cast<int>(rng() % 3));
    } else if (op == 2 && !agent_of.empty()) {
      agent_of.erase(agent_of.begin() + static_cast<long>(rng() % agent_of.size()));
      l.release({"k"});
    } else if (op == 3) {
      const int lost = static_cast<int>(rng() % 3);
      for (auto it = agent_of.begin(); it != agent_of.end();) {
        if (*it == lost) {
          it = agent_of.erase(it);
          l.release({"k"});
        } else {
          ++it;
        }
      }
    }
    ASSERT_LE(l.running("k"), 3);
    ASSERT_EQ(l.running("k"), static_cast<std::int64_t>(agent_of.size()));
  }
  for (std::size_t i = agent_of.size(); i > 0; --i) l.release({"k"});
  EXPECT_EQ(l.running("k"), 0);
  EXPECT_TRUE(l.check_invariants().ok());
}

}  // namespace
}  // namespace orion::scheduler
