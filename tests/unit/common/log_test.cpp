// Log lines: logfmt values quoted only where needed, and the JSON line of a logfmt message.
#include "common/log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace orion {
namespace {

TEST(Log, QuotedOnlyWhereNeeded) {
  EXPECT_EQ(logfmt_value("t-1"), "t-1");
  EXPECT_EQ(logfmt_value(""), "\"\"");
  EXPECT_EQ(logfmt_value("two words"), "\"two words\"");
  EXPECT_EQ(logfmt_value("a=b"), "\"a=b\"");
  EXPECT_EQ(logfmt_value("say \"hi\"\\\n"), "\"say \\\"hi\\\"\\\\\\n\"");
}

TEST(Log, JsonLineHasEveryPairInOrderAndTheRestAsMsg) {
  const std::string line = logfmt_to_json("2026-12-05T10:00:00.000", "info", "scheduler",
                                          "event=task_failed task=t-1 error=" + logfmt_value("boom \"x\" =y") +
                                              " attempt=2 stray words");
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["ts"], "2026-12-05T10:00:00.000");
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["svc"], "scheduler");
  EXPECT_EQ(j["event"], "task_failed");
  EXPECT_EQ(j["task"], "t-1");
  EXPECT_EQ(j["error"], "boom \"x\" =y");
  EXPECT_EQ(j["attempt"], "2");
  EXPECT_EQ(j["msg"], "stray words");
  EXPECT_EQ(line.find("\"event\""), line.find("\"svc\"") + 18);  // in the message's order, after svc
}

TEST(Log, AnyBytesGiveOneValidJsonObject) {
  std::string junk;
  for (int c = 0; c < 256; ++c) junk += static_cast<char>(c);
  for (const std::string& m : {junk, std::string("k=\"unterminated"), std::string("=x ==y k= \"\"")}) {
    const std::string line = logfmt_to_json("t", "info", "s", m);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    nlohmann::json j;
    EXPECT_NO_THROW(j = nlohmann::json::parse(line)) << line;
    EXPECT_TRUE(j.is_object()) << line;
  }
}

TEST(Log, UnknownFormatRefused) {
  auto s = init_logging("logtest", "info", "xml");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_TRUE(init_logging("logtest", "info", "json"));
  EXPECT_TRUE(init_logging("logtest", "info", "logfmt"));
}

}  // namespace
}  // namespace orion
