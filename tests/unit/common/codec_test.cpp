// Tests of common/codec.*: the bounded msgpack <-> JSON-value codec that every byte off the
// wire goes through. Malformed input must come back as MALFORMED, over-bound input as
// TOO_LARGE, and nothing may throw or crash.
#include "common/codec.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace orion {
namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out.push_back(static_cast<char>(b));
  return out;
}

Result<Json> decode(const std::string& s, const CodecLimits& limits = default_limits()) {
  return decode_value(s.data(), s.size(), limits);
}

ErrorCode code_of(const Result<Json>& r) { return r ? ErrorCode::UNKNOWN : r.error().code; }

// A value with one of everything the codec carries.
Json every_kind() {
  return {
      {"nil", nullptr},
      {"yes", true},
      {"no", false},
      {"zero", 0},
      {"fixint", 127},
      {"uint8", 128},
      {"uint32", 4'294'967'296LL},
      {"int64_max", std::numeric_limits<std::int64_t>::max()},
      {"uint64_max", std::numeric_limits<std::uint64_t>::max()},
      {"minus_one", -1},
      {"minus_33", -33},
      {"int64_min", std::numeric_limits<std::int64_t>::min()},
      {"half", 1.5},
      {"tenth", 0.1},
      {"huge", -1e300},
      {"unicode", "h\xC3\xA9llo \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x9A\x80"},  // héllo 世界 🚀
      {"empty", ""},
      {"binary", Json::binary({0x00, 0xFF, 0xC1, 0x80})},
      {"nested", {{"list", {1, "two", {{"three", {3.25, nullptr}}}}}, {"map", Json::object()}}},
      {"empty_list", Json::array()},
  };
}

TEST(Codec, RoundTripsEveryKindOfValue) {
  Json v = every_kind();
  auto back = decode(encode_value(v));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(*back, v);
  EXPECT_TRUE((*back)["binary"].is_binary());
  EXPECT_EQ((*back)["uint64_max"].get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ((*back)["int64_min"].get<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
}

TEST(Codec, RoundTripsScalarsAtTheTopLevel) {
  for (const Json& v : {Json(nullptr), Json(true), Json(-7), Json(2.5), Json("s"), Json::array({1, 2})}) {
    auto back = decode(encode_value(v));
    ASSERT_TRUE(back) << v.dump();
    EXPECT_EQ(*back, v);
  }
}

TEST(Codec, EncodesMapKeysInSortedOrder) {
  Json v = {{"b", 1}, {"a", 2}, {"c", 3}};
  EXPECT_EQ(encode_value(v), bytes({0x83, 0xA1, 'a', 0x02, 0xA1, 'b', 0x01, 0xA1, 'c', 0x03}));
}

TEST(Codec, RefusesEmptyInputAsMalformed) {
  EXPECT_EQ(code_of(decode("")), ErrorCode::MALFORMED);
}

TEST(Codec, RefusesEveryTruncationOfAValidValueAsMalformed) {
  std::string full = encode_value(every_kind());
  for (std::size_t n = 1; n < full.size(); ++n) {
    auto r = decode(full.substr(0, n));
    ASSERT_FALSE(r) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(r.error().code, ErrorCode::MALFORMED) << "prefix of " << n << " bytes: " << r.error().message;
  }
}

TEST(Codec, RefusesTrailingBytesAfterTheValueAsMalformed) {
  auto r = decode(encode_value(Json{{"a", 1}}) + bytes({0xC0}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::MALFORMED);
  EXPECT_NE(r.error().message.find("trailing"), std::string::npos);
}

TEST(Codec, RefusesANonStringMapKeyAsMalformed) {
  EXPECT_EQ(code_of(decode(bytes({0x81, 0x01, 0x02}))), ErrorCode::MALFORMED);           // {1: 2}
  EXPECT_EQ(code_of(decode(bytes({0x81, 0xC4, 0x01, 'k', 0x02}))), ErrorCode::MALFORMED);  // {bin"k": 2}
  EXPECT_EQ(code_of(decode(bytes({0x81, 0xA1, 'a', 0x81, 0x90, 0x00}))), ErrorCode::MALFORMED);  // nested {[]: 0}
}

TEST(Codec, RefusesMsgpackExtTypesAsMalformed) {
  EXPECT_EQ(code_of(decode(bytes({0xD4, 0x01, 0x00}))), ErrorCode::MALFORMED);                    // fixext1
  EXPECT_EQ(code_of(decode(bytes({0xD8, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}))),  // fixext16
            ErrorCode::MALFORMED);
  EXPECT_EQ(code_of(decode(bytes({0xC7, 0x00, 0x05}))), ErrorCode::MALFORMED);                     // ext8, empty
  EXPECT_EQ(code_of(decode(bytes({0x81, 0xA1, 'e', 0xD6, 0xFF, 0, 0, 0, 0}))), ErrorCode::MALFORMED);  // timestamp
}

TEST(Codec, RefusesTheNeverUsedByteAsMalformed) {
  EXPECT_EQ(code_of(decode(bytes({0xC1}))), ErrorCode::MALFORMED);
}

TEST(Codec, RefusesAFrameOverMaxBytesAsTooLargeBeforeParsing) {
  CodecLimits small;
  small.max_bytes = 8;
  std::string nine = encode_value(Json{{"abcdef", 1}});  // 9 bytes
  ASSERT_EQ(nine.size(), 9u);
  EXPECT_EQ(code_of(decode(nine, small)), ErrorCode::TOO_LARGE);
  EXPECT_TRUE(decode(encode_value(Json{{"abcde", 1}}), small));  // 8 bytes is fine

  // The default bound is 16 MiB; one byte more is refused without looking at the bytes.
  std::string over(default_limits().max_bytes + 1, '\0');
  EXPECT_EQ(code_of(decode(over)), ErrorCode::TOO_LARGE);
}

Json nested_arrays(std::size_t depth) {
  Json v = 1;
  for (std::size_t i = 0; i < depth; ++i) v = Json::array({std::move(v)});
  return v;
}

TEST(Codec, AcceptsNestingUpToMaxDepth) {
  auto r = decode(encode_value(nested_arrays(default_limits().max_depth)));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*r, nested_arrays(default_limits().max_depth));
}

TEST(Codec, RefusesNestingDeeperThanMaxDepthAsTooLarge) {
  EXPECT_EQ(code_of(decode(encode_value(nested_arrays(default_limits().max_depth + 1)))), ErrorCode::TOO_LARGE);

  Json maps = 1;
  for (std::size_t i = 0; i <= default_limits().max_depth; ++i) maps = Json{{"k", std::move(maps)}};
  EXPECT_EQ(code_of(decode(encode_value(maps))), ErrorCode::TOO_LARGE);

  CodecLimits shallow;
  shallow.max_depth = 2;
  EXPECT_TRUE(decode(encode_value(nested_arrays(2)), shallow));
  EXPECT_EQ(code_of(decode(encode_value(nested_arrays(3)), shallow)), ErrorCode::TOO_LARGE);
}

TEST(Codec, SurvivesOneHundredThousandNestedArraysWithoutOverflowingTheStack) {
  // Built by hand: a JSON value this deep would itself overflow the stack when destroyed.
  std::string deep(100'000, static_cast<char>(0x91));  // fixarray of one element, 100,000 times
  deep.push_back(static_cast<char>(0xC0));
  EXPECT_EQ(code_of(decode(deep)), ErrorCode::TOO_LARGE);

  std::string deep_maps;
  for (int i = 0; i < 100'000; ++i) deep_maps += bytes({0x81, 0xA1, 'k'});
  deep_maps.push_back(static_cast<char>(0xC0));
  EXPECT_EQ(code_of(decode(deep_maps)), ErrorCode::TOO_LARGE);
}

TEST(Codec, RefusesAStringLongerThanMaxStringAsTooLarge) {
  CodecLimits small;
  small.max_string = 4;
  EXPECT_TRUE(decode(encode_value(Json("abcd")), small));
  EXPECT_EQ(code_of(decode(encode_value(Json("abcde")), small)), ErrorCode::TOO_LARGE);
  EXPECT_EQ(code_of(decode(encode_value(Json{{"k", "abcde"}}), small)), ErrorCode::TOO_LARGE);

  // The default bound: 8 MiB is accepted, 8 MiB + 1 is not (the frame itself is under 16 MiB).
  std::string s(default_limits().max_string, 'x');
  EXPECT_TRUE(decode(encode_value(Json(s))));
  s.push_back('x');
  EXPECT_EQ(code_of(decode(encode_value(Json(s)))), ErrorCode::TOO_LARGE);
}

TEST(Codec, RefusesABinaryLongerThanMaxStringAsTooLarge) {
  CodecLimits small;
  small.max_string = 4;
  EXPECT_TRUE(decode(encode_value(Json::binary({1, 2, 3, 4})), small));
  EXPECT_EQ(code_of(decode(encode_value(Json::binary({1, 2, 3, 4, 5})), small)), ErrorCode::TOO_LARGE);
}

TEST(Codec, RefusesAContainerWithMoreThanMaxContainerEntriesAsTooLarge) {
  CodecLimits small;
  small.max_container = 3;
  EXPECT_TRUE(decode(encode_value(Json::array({1, 2, 3})), small));
  EXPECT_EQ(code_of(decode(encode_value(Json::array({1, 2, 3, 4})), small)), ErrorCode::TOO_LARGE);
  EXPECT_EQ(code_of(decode(encode_value(Json{{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}}), small)),
            ErrorCode::TOO_LARGE);
}

TEST(Codec, RefusesAnArrayHeaderThatClaimsMoreEntriesThanFollowAsMalformed) {
  EXPECT_EQ(code_of(decode(bytes({0xDC, 0xFF, 0xFF, 0x01}))), ErrorCode::MALFORMED);  // array16 of 65535, one entry
  EXPECT_EQ(code_of(decode(bytes({0xDD, 0xFF, 0xFF, 0xFF, 0xFF}))), ErrorCode::TOO_LARGE);  // 4 billion > bound
}

TEST(Codec, RefusesAStringHeaderThatClaimsMoreBytesThanFollowAsMalformed) {
  EXPECT_EQ(code_of(decode(bytes({0xDB, 0x00, 0x00, 0x10, 0x00, 'a', 'b'}))), ErrorCode::MALFORMED);
}

}  // namespace
}  // namespace orion
