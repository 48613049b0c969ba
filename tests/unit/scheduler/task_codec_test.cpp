#include "services/scheduler/task_codec.h"

#include <gtest/gtest.h>

namespace orion::scheduler {
namespace {

TEST(TaskCodec, ARecordReadsBackWithItsViewDependenciesReadyTimeAndRequestId) {
  TaskRecord r;
  r.seq = 9;
  r.request_id = "req-9";
  r.spec.type = "echo";
  r.spec.capabilities = {"a", "b"};
  r.spec.retries = 2;
  r.spec.input = {{"nested", {1, 2, {{"deep", "ü"}}}}};
  r.state = TaskState::PENDING;
  r.failures = 1;
  r.history.push_back(StateChange{TaskState::PENDING, 5, 0, "", "submitted"});
  r.deps = {3, 4};
  r.ready_ms = 1234;
  auto back = decode_task_record(9, encode_task_record(r));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->view().to_json(), r.view().to_json());
  EXPECT_EQ(back->deps, r.deps);
  EXPECT_EQ(back->ready_ms, 1234);
  EXPECT_EQ(back->request_id, "req-9");
}

TEST(TaskCodec, ARecordWithItsGateAgentOutputAndErrorReadsBackWithThemAndItsIdFromItsSeq) {
  TaskRecord r;
  r.seq = 12;
  r.spec.type = "echo";
  r.state = TaskState::FAILED;
  r.attempt = 1;
  auto& c = r.mutable_cold();
  c.assigned_agent = "w1";
  c.output = Json{{"k", 1}};
  c.error = "boom";
  c.reason = "assigned";
  c.progress = 50;
  c.assigned_ms = 7, c.started_ms = 8, c.finished_ms = 9;
  c.gate = GateState{"t12", "p1", "APPROVED"};
  auto back = decode_task_record(12, encode_task_record(r));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->view().to_json(), r.view().to_json());
  EXPECT_EQ(back->view().task_id, "t12");
  EXPECT_EQ(back->cold().gate.outcome, "APPROVED");
  EXPECT_EQ(back->cold().error, "boom");
}

TEST(TaskCodec, ACorruptRecordIsAnInternalErrorNamingTheTask) {
  for (std::string bad : {std::string("\xc1"), encode_value(Json::array()), encode_value(Json{{"v", 1}})}) {
    auto r = decode_task_record(7, bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::INTERNAL);
    EXPECT_NE(r.error().message.find("stored task 7"), std::string::npos);
  }
}

// Records are read from their msgpack directly: whatever the bytes, a record or an INTERNAL
// error, never a crash; and a record read back encodes to the same bytes.
TEST(TaskCodec, EveryTruncationAndByteFlipOfARecordReadsBackOrFailsAsCorrupt) {
  TaskRecord r;
  r.seq = 3;
  r.request_id = "q";
  r.spec.type = "echo";
  r.spec.capabilities = {"a"};
  r.spec.input = {{"k", {1, -2, 3.5, "s", nullptr}}};
  r.state = TaskState::RUNNING;
  r.attempt = 2;
  r.history.push_back(StateChange{TaskState::ASSIGNED, 5, 2, "w1", ""});
  r.deps = {1, 2};
  r.ready_ms = -1;
  const std::string good = encode_task_record(r);
  auto check = [&](const std::string& bytes) {
    auto back = decode_task_record(3, bytes);
    if (!back) {
      EXPECT_EQ(back.error().code, ErrorCode::INTERNAL);
      return 0;
    }
    TaskRecord again = *back;
    EXPECT_EQ(decode_task_record(3, encode_task_record(again)).ok(), true);
    return 1;
  };
  int read = 0;
  for (std::size_t n = 0; n < good.size(); ++n) read += check(good.substr(0, n));
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (unsigned char x : {0x01, 0x10, 0x80, 0xff}) {
      std::string bad = good;
      bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ x);
      read += check(bad);
    }
  }
  auto back = decode_task_record(3, good);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(encode_task_record(*back), good);
  EXPECT_EQ(back->ready_ms, -1);
  EXPECT_GT(read, 0);  // some flips only change a value
}

}  // namespace
}  // namespace orion::scheduler
