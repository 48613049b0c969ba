// Tests of common/event_bound.*: events over the size bound lose their largest fields, named
// in "truncated", and small events pass untouched.
#include "common/event_bound.h"

#include <gtest/gtest.h>

namespace orion {
namespace {

TEST(EventBound, ASmallEventIsUnchanged) {
  Json data{{"task_id", "t1"}, {"output", "ok"}};
  std::string packed = encode_value(data);
  EXPECT_EQ(bounded_event_data(packed), packed);
  EXPECT_EQ(bounded_event_data(data), data);
}

TEST(EventBound, ALargeFieldIsLeftOutAndNamed) {
  Json data{{"task_id", "t1"}, {"state", 4}, {"output", std::string(4u << 20, 'x')}};
  std::string out = bounded_event_data(encode_value(data));
  EXPECT_LE(out.size(), kMaxEventDataBytes);
  auto back = decode_value(out.data(), out.size());
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)["task_id"], "t1");
  EXPECT_EQ((*back)["state"], 4);
  EXPECT_FALSE(back->contains("output"));
  EXPECT_EQ((*back)["truncated"], Json::array({"output"}));
  EXPECT_EQ(bounded_event_data(data), *back);
}

TEST(EventBound, LargestFieldsGoFirstUntilItFits) {
  const std::size_t third = kMaxEventDataBytes / 3;
  Json data{{"a", std::string(2 * third, 'a')}, {"b", std::string(third / 2, 'b')}, {"c", std::string(third, 'c')}};
  auto out = bounded_event_data(data);
  EXPECT_LE(encode_value(out).size(), kMaxEventDataBytes);
  EXPECT_FALSE(out.contains("a"));
  EXPECT_TRUE(out.contains("b"));
  EXPECT_TRUE(out.contains("c"));
  EXPECT_EQ(out["truncated"], Json::array({"a"}));  // the largest, and it was enough
}

TEST(EventBound, ManySmallFieldsOrANonMapBecomeAMarkerOnly) {
  Json many = Json::object();
  for (int i = 0; i < 20'000; ++i) many["k" + std::to_string(i)] = i;
  auto out = bounded_event_data(many);
  EXPECT_LE(encode_value(out).size(), kMaxEventDataBytes);
  EXPECT_TRUE(out.contains("truncated"));
  Json list = Json::array();
  for (int i = 0; i < 40'000; ++i) list.push_back(i);
  EXPECT_EQ(bounded_event_data(list), (Json{{"truncated", true}}));
}

}  // namespace
}  // namespace orion
