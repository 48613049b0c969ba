// The dashboard's bounded index: the least recently touched entry goes first.
#include "services/dashboard/bounded_index.h"

#include <gtest/gtest.h>

namespace orion::dashboard {
namespace {

std::vector<std::string> newest_first(const BoundedIndex& index) {
  std::vector<std::string> ids;
  index.for_each_newest([&](const std::string& id, const Json&) {
    ids.push_back(id);
    return true;
  });
  return ids;
}

TEST(BoundedIndexTest, ForgetsTheLeastRecentlyTouchedPastItsCapacity) {
  BoundedIndex index(3);
  index.put("a", 1);
  index.put("b", 2);
  index.put("c", 3);
  ASSERT_NE(index.touch("a"), nullptr);  // a is now the newest
  index.put("d", 4);                     // b, the oldest, goes
  EXPECT_EQ(newest_first(index), (std::vector<std::string>{"d", "a", "c"}));
  EXPECT_FALSE(index.contains("b"));
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(index.forgotten(), 1u);
}

TEST(BoundedIndexTest, PuttingAHeldIdReplacesItWithoutForgettingAnother) {
  BoundedIndex index(2);
  index.put("a", 1);
  index.put("b", 2);
  index.put("a", 10);
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(*index.find("a"), 10);
  EXPECT_EQ(newest_first(index), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(index.forgotten(), 0u);
}

TEST(BoundedIndexTest, FindDoesNotChangeRecencyAndAnUnknownIdIsNull) {
  BoundedIndex index(2);
  index.put("a", 1);
  index.put("b", 2);
  EXPECT_NE(index.find("a"), nullptr);
  index.put("c", 3);
  EXPECT_FALSE(index.contains("a"));
  EXPECT_EQ(index.find("zz"), nullptr);
  EXPECT_EQ(index.touch("zz"), nullptr);
}

TEST(BoundedIndexTest, AMillionIdsKeepItAtItsCapacity) {
  BoundedIndex index(100);
  for (int i = 0; i < 1'000'000; ++i) index.put("t" + std::to_string(i), i);
  EXPECT_EQ(index.size(), 100u);
  EXPECT_TRUE(index.contains("t999999"));
  EXPECT_FALSE(index.contains("t0"));
}

}  // namespace
}  // namespace orion::dashboard
