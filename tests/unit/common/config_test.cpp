// The shared flag parsers of common/config.h.
#include "common/config.h"

#include <gtest/gtest.h>

namespace orion {
namespace {

TEST(Config, ParseIntTakesWholeNumbersInRangeAndNamesTheFlag) {
  EXPECT_EQ(*parse_int("liveness", "3", 1, 10), 3);
  for (const char* bad : {"", "x", "3x", " 3", "0", "11", "1.5", "99999999999999999999"}) {
    auto r = parse_int("liveness", bad, 1, 10);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(r.error().message.find("--liveness"), std::string::npos) << r.error().message;
  }
}

TEST(Config, ParseNumberTakesFractionsInRange) {
  EXPECT_DOUBLE_EQ(*parse_number("unschedulable-timeout", "2.5", 0, 10), 2.5);
  for (const char* bad : {"", "-1", "nan", "inf", "11", "2.5s"}) {
    EXPECT_FALSE(parse_number("unschedulable-timeout", bad, 0, 10).ok()) << bad;
  }
}

TEST(Config, ADurationTakesAUnitAndABareNumberIsSeconds) {
  const std::int64_t day = 86'400'000;
  EXPECT_EQ(*parse_duration_ms("retention", "7d", 0, 365 * day), 7 * day);
  EXPECT_EQ(*parse_duration_ms("retention", "60s", 0, day), 60'000);
  EXPECT_EQ(*parse_duration_ms("retention", "60", 0, day), 60'000);
  EXPECT_EQ(*parse_duration_ms("retention", "1.5h", 0, day), 5'400'000);
  EXPECT_EQ(*parse_duration_ms("retention", "5m", 0, day), 300'000);
  EXPECT_EQ(*parse_duration_ms("retention", "250ms", 0, day), 250);
  for (const char* bad : {"", "d", "7x", "7 d", "-1s", "nan", "inf", "2d", "1e300d", "7dd"}) {
    auto r = parse_duration_ms("retention", bad, 0, day);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(r.error().message.find("--retention"), std::string::npos) << r.error().message;
  }
}

TEST(Config, AnEndpointListIsSplitTrimmedAndDeduplicated) {
  auto r = parse_endpoint_list("registry", " tcp://a:7100, tcp://b:7100,,tcp://a:7100 ");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(*r, (std::vector<std::string>{"tcp://a:7100", "tcp://b:7100"}));
  EXPECT_EQ(join_endpoints(*r), "tcp://a:7100,tcp://b:7100");
  EXPECT_EQ(parse_endpoint_list("registry", "tcp://one:1")->size(), 1u);
}

TEST(Config, AMalformedEndpointListIsRefused) {
  for (const char* bad : {"", " , ", "a:7100", "://x", "tcp://a:1,b"}) {
    auto r = parse_endpoint_list("registry", bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(r.error().message.find("--registry"), std::string::npos);
  }
  EXPECT_EQ(parse_endpoint_list("registry", "127.0.0.1:7100").error().message,
            "--registry: '127.0.0.1:7100' has no scheme: write tcp://127.0.0.1:7100");
  EXPECT_EQ(parse_endpoint_list("registry", "tcp://a:1,http://b:7100").error().message,
            "--registry: 'http://b:7100' has the scheme 'http': write tcp://HOST:PORT (or ipc://PATH)");
  EXPECT_EQ(parse_endpoint_list("registry", "tcp://host").error().message,
            "--registry: 'tcp://host' needs a host and a port: tcp://HOST:PORT");
  EXPECT_EQ(parse_endpoint_list("registry", "tcp://:7100").error().message,
            "--registry: 'tcp://:7100' needs a host and a port: tcp://HOST:PORT");
  EXPECT_TRUE(parse_endpoint_list("registry", "ipc:///tmp/orion.sock,inproc://r,tcp://[::1]:7100").ok());
  std::string many;
  for (std::size_t i = 0; i <= kMaxRegistries; ++i) many += "tcp://r" + std::to_string(i) + ":1,";
  EXPECT_FALSE(parse_endpoint_list("registry", many).ok());
}

}  // namespace
}  // namespace orion
