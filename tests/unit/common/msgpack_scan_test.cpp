// Tests of common/msgpack_scan.*: the work a decoder does before it refuses is bounded by the
// bytes it was given. The measured attacks (31 nested maps each claiming 1 M entries in 217
// bytes; 15 MiB of nils) are refused by the scan with a code and a message, and every value the
// codec accepted before is still accepted.
#include "common/msgpack_scan.h"

#include <string>

#include <gtest/gtest.h>

#include "common/msgpack_object.h"

namespace orion {
namespace {

std::string map32_header(std::uint32_t n) {
  std::string h(1, static_cast<char>(0xDF));
  for (int s = 24; s >= 0; s -= 8) h.push_back(static_cast<char>((n >> s) & 0xFF));
  return h;
}

Status scan(const std::string& s, const CodecLimits& limits = default_limits()) {
  return scan_msgpack(s.data(), s.size(), limits);
}

TEST(MsgpackScan, RefusesNestedMapsThatClaimAMillionEntriesEachAsMalformed) {
  // The measured attack: 31 levels of {"k": {"k": ...}} whose headers each claim 1 M pairs.
  std::string body;
  for (int i = 0; i < 31; ++i) body += map32_header(1u << 20) + "\xA1k";
  body.push_back(static_cast<char>(0xC0));
  ASSERT_LT(body.size(), 256u);
  auto s = scan(body);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::MALFORMED);
  EXPECT_NE(s.error().message.find("claims 1048576 entries"), std::string::npos) << s.error().message;
  // And so does decode_value, through the same scan: no 1 M-entry map is ever allocated.
  auto v = decode_value(body.data(), body.size());
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::MALFORMED);
}

TEST(MsgpackScan, CountsEntriesStillOwedByEnclosingContainers) {
  // [[x, x], x] where the outer array claims 2 entries and the inner 2: 5 bytes hold it.
  EXPECT_TRUE(scan("\x92\x92\xC0\xC0\xC0"));
  // The inner array claims 3: with the outer's last entry that is 4 more values in 3 bytes.
  EXPECT_EQ(scan("\x92\x93\xC0\xC0\xC0").error().code, ErrorCode::MALFORMED);
  // A string whose bytes would leave nothing for the value still owed after it.
  EXPECT_EQ(scan("\x92\xA2xy").error().code, ErrorCode::MALFORMED);
}

TEST(MsgpackScan, RefusesFifteenMebibytesOfNilsAsTooLargeWithoutAllocating) {
  // array32 of 15 Mi nils: within max_container per array only if split, so split it into
  // 1 Mi-entry arrays inside one outer array, as an attacker would.
  const std::uint32_t per = 1u << 20, arrays = 15;
  std::string body(1, static_cast<char>(0x90 + arrays));
  for (std::uint32_t a = 0; a < arrays; ++a) {
    body.push_back(static_cast<char>(0xDD));
    for (int s = 24; s >= 0; s -= 8) body.push_back(static_cast<char>((per >> s) & 0xFF));
    body.append(per, static_cast<char>(0xC0));
  }
  auto s = scan(body);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::TOO_LARGE);
  EXPECT_NE(s.error().message.find("msgpack values"), std::string::npos) << s.error().message;
  auto v = decode_value(body.data(), body.size());
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::TOO_LARGE);
}

TEST(MsgpackScan, AcceptsExactlyMaxObjectsValues) {
  CodecLimits small;
  small.max_objects = 4;
  EXPECT_TRUE(scan("\x93\xC0\xC0\xC0", small));                                      // 1 + 3
  EXPECT_EQ(scan("\x94\xC0\xC0\xC0\xC0", small).error().code, ErrorCode::TOO_LARGE);  // 1 + 4
  EXPECT_TRUE(scan("\x81\xA1k\xC0", small));  // a map of one pair: map, key, value
}

TEST(MsgpackScan, AgreesWithTheUnpackerOnEveryKindOfValue) {
  Json every = {{"nil", nullptr}, {"t", true}, {"u8", 200}, {"u16", 60000}, {"u32", 4'000'000'000LL},
                {"u64", 1ULL << 63}, {"i8", -100}, {"i16", -30000}, {"i32", -2'000'000'000LL},
                {"i64", -(1LL << 62)}, {"f", 2.5}, {"s", std::string(300, 's')}, {"long", std::string(70'000, 'l')},
                {"bin", Json::binary(std::vector<std::uint8_t>(300, 7))},
                {"arr", Json::array({1, Json::array(), Json::object()})}, {"big", std::vector<int>(70'000, 1)}};
  std::string b = encode_value(every);
  EXPECT_TRUE(scan(b));
  auto v = decode_value(b.data(), b.size());
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(*v, every);
  // Every proper prefix is truncated, whatever byte it stops at.
  for (std::size_t n = 1; n < 200; ++n) EXPECT_FALSE(scan(b.substr(0, n))) << n;
}

TEST(MsgpackScan, RefusesExtTypesTheNeverUsedByteAndTrailingBytes) {
  EXPECT_EQ(scan("\xD4\x01\x00").error().code, ErrorCode::MALFORMED);
  EXPECT_EQ(scan("\xC1").error().code, ErrorCode::MALFORMED);
  EXPECT_EQ(scan("\xC0\xC0").error().code, ErrorCode::MALFORMED);
}

}  // namespace
}  // namespace orion
