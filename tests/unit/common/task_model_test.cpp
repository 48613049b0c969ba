// Tests of common/task_model.*: the task enums, whose wire values are frozen.
#include "common/task_model.h"

#include <gtest/gtest.h>

namespace orion {
namespace {

// Changing any of these numbers breaks the wire and stored state: add values, never renumber.
static_assert(static_cast<int>(Priority::UNKNOWN) == 0);
static_assert(static_cast<int>(Priority::LOW) == 1);
static_assert(static_cast<int>(Priority::NORMAL) == 2);
static_assert(static_cast<int>(Priority::HIGH) == 3);
static_assert(static_cast<int>(Priority::CRITICAL) == 4);
static_assert(static_cast<int>(Priority::URGENT) == 5);
static_assert(static_cast<int>(TaskState::UNKNOWN) == 0);
static_assert(static_cast<int>(TaskState::PENDING) == 1);
static_assert(static_cast<int>(TaskState::ASSIGNED) == 2);
static_assert(static_cast<int>(TaskState::RUNNING) == 3);
static_assert(static_cast<int>(TaskState::COMPLETED) == 4);
static_assert(static_cast<int>(TaskState::FAILED) == 5);
static_assert(static_cast<int>(TaskState::CANCELLED) == 6);
static_assert(static_cast<int>(TaskState::TIMEOUT) == 7);
static_assert(static_cast<int>(TaskState::PARKED) == 8);

TEST(TaskModel, NamesEveryPriorityAndReadsTheNameBack) {
  for (int i = 1; i <= 5; ++i) {
    auto p = static_cast<Priority>(i);
    auto back = priority_from_string(to_string(p));
    ASSERT_TRUE(back.has_value()) << to_string(p);
    EXPECT_EQ(*back, p);
  }
  EXPECT_EQ(to_string(Priority::URGENT), "URGENT");
  EXPECT_EQ(to_string(static_cast<Priority>(9)), "UNKNOWN");
}

TEST(TaskModel, ReadsPrioritiesInAnyCaseAndAsTheirNumbers) {
  EXPECT_EQ(priority_from_string("high"), Priority::HIGH);
  EXPECT_EQ(priority_from_string("Critical"), Priority::CRITICAL);
  EXPECT_EQ(priority_from_string("1"), Priority::LOW);
  EXPECT_EQ(priority_from_string("5"), Priority::URGENT);
}

TEST(TaskModel, RefusesPriorityNamesAndNumbersOutsideOneToFive) {
  for (const char* s : {"", "0", "6", "10", "unknown", "UNKNOWN", "hi", "-1"}) {
    EXPECT_FALSE(priority_from_string(s).has_value()) << s;
  }
}

TEST(TaskModel, NamesEveryStateAndReadsTheNameBackInAnyCase) {
  for (int i = 1; i <= 8; ++i) {
    auto s = static_cast<TaskState>(i);
    EXPECT_EQ(task_state_from_string(to_string(s)), s);
  }
  EXPECT_EQ(task_state_from_string("running"), TaskState::RUNNING);
  EXPECT_FALSE(task_state_from_string("unknown").has_value());
  EXPECT_FALSE(task_state_from_string("3").has_value());
  EXPECT_EQ(to_string(static_cast<TaskState>(42)), "UNKNOWN");
}

TEST(TaskModel, CountsCompletedFailedCancelledAndTimeoutAsTerminal) {
  EXPECT_FALSE(is_terminal(TaskState::UNKNOWN));
  EXPECT_FALSE(is_terminal(TaskState::PENDING));
  EXPECT_FALSE(is_terminal(TaskState::ASSIGNED));
  EXPECT_FALSE(is_terminal(TaskState::RUNNING));
  EXPECT_TRUE(is_terminal(TaskState::COMPLETED));
  EXPECT_TRUE(is_terminal(TaskState::FAILED));
  EXPECT_TRUE(is_terminal(TaskState::CANCELLED));
  EXPECT_TRUE(is_terminal(TaskState::TIMEOUT));
  EXPECT_FALSE(is_terminal(TaskState::PARKED));  // a dead letter: its dependants keep waiting
  EXPECT_EQ(to_string(TaskState::PARKED), "PARKED");
}

TEST(TaskModel, ValidatesOnlyLowToUrgentPriorities) {
  EXPECT_FALSE(is_valid(Priority::UNKNOWN));
  EXPECT_TRUE(is_valid(Priority::LOW));
  EXPECT_TRUE(is_valid(Priority::URGENT));
  EXPECT_FALSE(is_valid(static_cast<Priority>(6)));
}

}  // namespace
}  // namespace orion
