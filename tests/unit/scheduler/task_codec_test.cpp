#include "services/scheduler/task_codec.h"

#include <gtest/gtest.h>

namespace orion::scheduler {
namespace {

TEST(TaskCodec, ARecordReadsBackWithItsViewDependenciesReadyTimeAndRequestId) {
  TaskRecord r;
  r.seq = 9;
  r.request_id = "req-9";
  r.view.task_id = "t9";
  r.view.spec.type = "echo";
  r.view.spec.capabilities = {"a", "b"};
  r.view.spec.retries = 2;
  r.view.spec.input = {{"nested", {1, 2, {{"deep", "ü"}}}}};
  r.view.state = TaskState::PENDING;
  r.view.failures = 1;
  r.view.history.push_back(StateChange{TaskState::PENDING, 5, 0, "", "submitted"});
  r.deps = {3, 4};
  r.ready_ms = 1234;
  auto back = decode_task_record(9, encode_task_record(r));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->view.to_json(), r.view.to_json());
  EXPECT_EQ(back->deps, r.deps);
  EXPECT_EQ(back->ready_ms, 1234);
  EXPECT_EQ(back->request_id, "req-9");
}

TEST(TaskCodec, ACorruptRecordIsAnInternalErrorNamingTheTask) {
  for (std::string bad : {std::string("\xc1"), encode_value(Json::array()), encode_value(Json{{"v", 1}})}) {
    auto r = decode_task_record(7, bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::INTERNAL);
    EXPECT_NE(r.error().message.find("stored task 7"), std::string::npos);
  }
}

}  // namespace
}  // namespace orion::scheduler
