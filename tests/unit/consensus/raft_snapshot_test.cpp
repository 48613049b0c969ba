// The form of a Raft snapshot (services/consensus/raft_log.h): the service's state and the
// entries applied after it. Round trip, the older form, and bounds: a buffer that does not fit
// its own lengths is refused, never read past.
#include <gtest/gtest.h>

#include <cstring>

#include "services/consensus/raft_log.h"

namespace orion::consensus {
namespace {

TEST(RaftSnapshot, StateAndTailRoundTripPaddedTo8Bytes) {
  const std::string state = "the state";
  const std::vector<std::string> tail = {"entry one", "", std::string(1000, 'x')};
  std::string bytes = encode_raft_snapshot(state, tail);
  EXPECT_EQ(bytes.size() % 8, 0u);
  std::string s;
  std::vector<std::string> t;
  ASSERT_TRUE(decode_raft_snapshot(bytes, &s, &t));
  EXPECT_EQ(s, state);
  EXPECT_EQ(t, tail);
  ASSERT_TRUE(decode_raft_snapshot(encode_raft_snapshot(state, {}), &s, &t));
  EXPECT_TRUE(t.empty());
}

TEST(RaftSnapshot, TheOlderFormIsTheStateAloneFramed) {
  // u32 length, the state, zero padding: what replicas wrote before tails existed.
  const std::string state = "older state";
  std::string bytes(4, '\0');
  bytes[0] = static_cast<char>(state.size());
  bytes += state;
  bytes.resize((bytes.size() + 7) / 8 * 8, '\0');
  std::string s;
  std::vector<std::string> t{"stale"};
  ASSERT_TRUE(decode_raft_snapshot(bytes, &s, &t));
  EXPECT_EQ(s, state);
  EXPECT_TRUE(t.empty());
}

TEST(RaftSnapshot, BuffersThatDoNotFitTheirLengthsAreRefused) {
  std::string good = encode_raft_snapshot("state", {"a", "bb"});
  std::string s;
  std::vector<std::string> t;
  for (std::size_t cut = 0; cut < 28; ++cut) {  // every truncation inside the declared lengths (28 bytes)
    EXPECT_FALSE(decode_raft_snapshot(std::string_view(good.data(), cut), &s, &t)) << cut;
  }
  std::string huge_state = good;
  huge_state[7] = '\x7f';  // state length 0x7f000005: past the end
  EXPECT_FALSE(decode_raft_snapshot(huge_state, &s, &t));
  std::string many = good;
  std::uint32_t count = 0x10000000;  // entries that cannot fit
  std::memcpy(&many[4 + 4 + 5], &count, 4);
  EXPECT_FALSE(decode_raft_snapshot(many, &s, &t));
  EXPECT_FALSE(decode_raft_snapshot("", &s, &t));
}

}  // namespace
}  // namespace orion::consensus
