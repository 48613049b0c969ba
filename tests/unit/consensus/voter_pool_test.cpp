// VoterPool: equal voter lists are held once, and a list goes when its last holder lets go.
#include "services/consensus/voter_pool.h"

#include <gtest/gtest.h>

namespace orion::consensus {
namespace {

std::vector<Voter> list(const std::string& key_digit, double weight = 1.0) {
  return {Voter{"a1", weight, std::string(64, key_digit[0])}, Voter{"a2", 1.0, std::string(64, 'b')}};
}

TEST(VoterPoolTest, EqualListsShareOneCopyAndListsDifferingInAnyFieldDoNot) {
  VoterPool pool;
  VoterList a = pool.intern(list("a"));
  VoterList b = pool.intern(list("a"));
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(pool.size(), 1u);
  VoterList other_key = pool.intern(list("A"));     // the key as written: case counts
  VoterList other_weight = pool.intern(list("a", 2.0));
  VoterList reordered = pool.intern({list("a")[1], list("a")[0]});
  EXPECT_NE(other_key.get(), a.get());
  EXPECT_NE(other_weight.get(), a.get());
  EXPECT_NE(reordered.get(), a.get());
  EXPECT_EQ(pool.size(), 4u);
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].agent_id, "a1");
  EXPECT_EQ((*a)[0].public_key, std::string(64, 'a'));
  EXPECT_EQ((*a)[1].agent_id, "a2");
}

TEST(VoterPoolTest, AListIsForgottenWhenItsLastHolderReleasesIt) {
  VoterPool pool;
  VoterList a = pool.intern(list("a"));
  VoterList b = pool.intern(list("a"));
  pool.release(a);
  EXPECT_FALSE(a);
  EXPECT_EQ(pool.size(), 1u) << "b still holds it";
  pool.release(b);
  EXPECT_EQ(pool.size(), 0u);
  VoterList none;
  pool.release(none);  // releasing nothing is harmless
  EXPECT_EQ(pool.size(), 0u);
}

}  // namespace
}  // namespace orion::consensus
