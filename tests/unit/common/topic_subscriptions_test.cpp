#include "common/topic_subscriptions.h"

#include <string>

#include <gtest/gtest.h>

namespace orion {
namespace {

bool apply(TopicSubscriptions& s, char op, const std::string& prefix) {
  std::string m(1, op);
  m += prefix;
  return s.apply(m.data(), m.size());
}

TEST(TopicSubscriptions, NothingSubscribedWantsNothing) {
  TopicSubscriptions s;
  EXPECT_FALSE(s.wants("task.completed"));
  EXPECT_FALSE(s.wants(""));
}

TEST(TopicSubscriptions, APrefixMatchesEveryTopicStartingWithIt) {
  TopicSubscriptions s;
  ASSERT_TRUE(apply(s, 1, "task."));
  EXPECT_TRUE(s.wants("task.completed"));
  EXPECT_TRUE(s.wants("task."));
  EXPECT_FALSE(s.wants("task"));
  EXPECT_FALSE(s.wants("agent.down"));
  EXPECT_FALSE(s.wants("workflow.step"));
}

TEST(TopicSubscriptions, TheEmptyPrefixMatchesEveryTopic) {
  TopicSubscriptions s;
  ASSERT_TRUE(apply(s, 1, ""));
  EXPECT_TRUE(s.wants("task.completed"));
  EXPECT_TRUE(s.wants(""));
}

TEST(TopicSubscriptions, UnsubscribingRemovesOnlyThatPrefix) {
  TopicSubscriptions s;
  apply(s, 1, "task.completed");
  apply(s, 1, "task.failed");
  apply(s, 1, "agent.");
  apply(s, 0, "task.completed");
  EXPECT_FALSE(s.wants("task.completed"));
  EXPECT_TRUE(s.wants("task.failed"));
  EXPECT_TRUE(s.wants("agent.down"));
  apply(s, 0, "never-subscribed");
  EXPECT_EQ(s.size(), 2u);
  apply(s, 0, "task.failed");
  apply(s, 0, "agent.");
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(s.wants("agent.down"));
}

TEST(TopicSubscriptions, ARepeatedSubscriptionIsHeldOnce) {
  TopicSubscriptions s;
  apply(s, 1, "task.");
  apply(s, 1, "task.");
  EXPECT_EQ(s.size(), 1u);
  apply(s, 0, "task.");
  EXPECT_FALSE(s.wants("task.completed"));
}

TEST(TopicSubscriptions, MessagesThatAreNotSubscriptionsChangeNothing) {
  TopicSubscriptions s;
  EXPECT_FALSE(s.apply("", 0));
  EXPECT_FALSE(apply(s, 2, "task."));
  EXPECT_FALSE(apply(s, 'x', "task."));
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(s.wants("task.completed"));
}

TEST(TopicSubscriptions, PastItsBoundEveryTopicIsWanted) {
  TopicSubscriptions s;
  for (std::size_t i = 0; i < TopicSubscriptions::kMaxPrefixes; ++i) apply(s, 1, "p" + std::to_string(i) + ".");
  EXPECT_FALSE(s.wants("task.completed"));
  apply(s, 1, "one.too.many");
  EXPECT_EQ(s.size(), TopicSubscriptions::kMaxPrefixes);
  EXPECT_TRUE(s.wants("task.completed"));
}

TEST(TopicSubscriptions, AnOverlongPrefixMakesEveryTopicWanted) {
  TopicSubscriptions s;
  apply(s, 1, std::string(TopicSubscriptions::kMaxPrefixBytes + 1, 'a'));
  EXPECT_EQ(s.size(), 0u);
  EXPECT_TRUE(s.wants("task.completed"));
}

TEST(TopicSubscriptions, ClearForgetsEverySubscriptionAndTheOverflow) {
  TopicSubscriptions s;
  EXPECT_FALSE(s.any());
  const char sub[] = "\x01proposal.";
  ASSERT_TRUE(s.apply(sub, sizeof(sub) - 1));
  EXPECT_TRUE(s.any());
  for (std::size_t i = 0; i <= TopicSubscriptions::kMaxPrefixes; ++i) {
    std::string m = "\x01p" + std::to_string(i);
    s.apply(m.data(), m.size());
  }
  EXPECT_TRUE(s.wants("anything"));
  s.clear();
  EXPECT_FALSE(s.any());
  EXPECT_FALSE(s.wants("anything"));
  EXPECT_FALSE(s.wants("proposal.decided"));
}

}  // namespace
}  // namespace orion
