// The form of a Raft snapshot (common/raft_log.h): the service's state and the
// entries applied after it. Round trip, the older form, and bounds: a buffer that does not fit
// its own lengths is refused, never read past.
#include <gtest/gtest.h>

#include <cstring>

#include "common/raft_log.h"

namespace orion::consensus {
namespace {

TEST(RaftBatch, CommandsOfOneTurnRoundTripInOrder) {
  std::vector<std::pair<std::uint64_t, std::string>> commands = {{1, "\x86one"}, {2, ""}, {3, std::string("t\0ree", 5)}};
  auto entry = encode_raft_batch(commands);
  auto back = split_raft_entry(entry);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0], "\x86one");
  EXPECT_EQ(back[1], "");
  EXPECT_EQ(back[2], std::string("t\0ree", 5));
}

TEST(RaftBatch, AnEntryInTheOlderFormIsOneCommand) {
  auto back = split_raft_entry("\x86 msgpack map");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0], "\x86 msgpack map");
  EXPECT_EQ(split_raft_entry("").size(), 1u);
}

TEST(RaftBatch, LengthsThatDoNotFitReturnTheEntryWhole) {
  auto entry = encode_raft_batch({{1, "abc"}, {2, "defg"}});
  for (std::size_t cut = 0; cut < entry.size(); ++cut) {
    auto back = split_raft_entry(entry.substr(0, cut));
    ASSERT_EQ(back.size(), 1u) << cut;
    EXPECT_EQ(back[0], entry.substr(0, cut));
  }
  auto longer = entry + "x";  // trailing bytes
  EXPECT_EQ(split_raft_entry(longer), std::vector<std::string>{longer});
  std::string huge = entry;
  huge[2] = '\xff', huge[3] = '\xff', huge[4] = '\xff', huge[5] = '\x7f';  // count far beyond the bytes
  EXPECT_EQ(split_raft_entry(huge), std::vector<std::string>{huge});
}

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

TEST(RaftSnapshot, ThePiecesAreTheStateAndTheTailThemselvesBetweenLengthWords) {
  const std::string state = "ab";
  const std::vector<std::string> tail = {"c"};
  std::string framing;
  auto pieces = raft_snapshot_pieces(state, tail, &framing);
  // magic and length | state | count | length | entry | padding: state and entry are not copied.
  ASSERT_EQ(pieces.size(), 6u);
  EXPECT_EQ(pieces[1].data(), state.data());
  EXPECT_EQ(pieces[4].data(), tail[0].data());
  EXPECT_EQ(framing.size(), 8u + 4 + 4 + 5);  // 19 bytes of payload padded to 24
  std::string joined;
  for (auto p : pieces) joined.append(p);
  const std::string expected("\xFE\xFF\xFF\xFF\x02\0\0\0ab\x01\0\0\0\x01\0\0\0c\0\0\0\0\0", 24);
  EXPECT_EQ(joined, expected);
  EXPECT_EQ(encode_raft_snapshot(state, tail), expected);
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
