// TaskStore against a real SQLite file in a temporary directory.
#include "services/scheduler/task_store.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace orion::scheduler {
namespace {

class TaskStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("orion-store-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::filesystem::path dir;
};

TaskRecord record(std::uint64_t seq, TaskState state) {
  TaskRecord r;
  r.seq = seq;
  r.request_id = "req-" + std::to_string(seq);
  r.view.task_id = task_id_for(seq);
  r.view.spec.type = "echo";
  r.view.spec.name = "name-" + std::to_string(seq);
  r.view.spec.capabilities = {"a", "b"};
  r.view.spec.priority = Priority::HIGH;
  r.view.spec.input = {{"nested", {1, 2, {{"deep", "ü"}}}}};
  r.view.state = state;
  r.view.attempt = 2;
  r.view.output = Json{{"out", 1.5}};
  r.view.error = "err";
  r.view.created_ms = 123;
  return r;
}

TEST_F(TaskStoreTest, CommittedTasksAreReadBackExactlyAfterReopening) {
  {
    TaskStore s;
    ASSERT_TRUE(s.open((dir / "t.db").string()).ok());
    s.stage(record(1, TaskState::PENDING));
    s.stage(record(2, TaskState::COMPLETED));
    ASSERT_TRUE(s.commit().ok());
  }
  TaskStore s;
  ASSERT_TRUE(s.open((dir / "t.db").string()).ok());
  std::vector<TaskRecord> got;
  ASSERT_TRUE(s.load([&](TaskRecord r) { got.push_back(std::move(r)); }).ok());
  ASSERT_EQ(got.size(), 2u);
  auto want = record(2, TaskState::COMPLETED);
  EXPECT_EQ(got[1].view.to_json(), want.view.to_json());
  EXPECT_EQ(got[1].request_id, "req-2");
}

TEST_F(TaskStoreTest, TheLastStageOfATaskBeforeCommitWins) {
  TaskStore s;
  ASSERT_TRUE(s.open((dir / "t.db").string()).ok());
  s.stage(record(1, TaskState::PENDING));
  s.stage(record(1, TaskState::FAILED));
  EXPECT_EQ(s.staged(), 1u);
  ASSERT_TRUE(s.commit().ok());
  std::vector<TaskRecord> got;
  ASSERT_TRUE(s.load([&](TaskRecord r) { got.push_back(std::move(r)); }).ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].view.state, TaskState::FAILED);
}

TEST_F(TaskStoreTest, StagedButUncommittedTasksAreNotOnDisk) {
  {
    TaskStore s;
    ASSERT_TRUE(s.open((dir / "t.db").string()).ok());
    s.stage(record(1, TaskState::PENDING));
    ASSERT_TRUE(s.commit().ok());
    s.stage(record(2, TaskState::PENDING));
  }
  TaskStore s;
  ASSERT_TRUE(s.open((dir / "t.db").string()).ok());
  int n = 0;
  ASSERT_TRUE(s.load([&](TaskRecord) { ++n; }).ok());
  EXPECT_EQ(n, 1);
}

TEST_F(TaskStoreTest, OpeningInAMissingDirectoryFailsWithAnError) {
  TaskStore s;
  auto st = s.open((dir / "missing" / "t.db").string());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::INTERNAL);
}

}  // namespace
}  // namespace orion::scheduler
