// The lifecycle table (task_lifecycle.h): what transition() allows and refuses, the properties
// the protocol promises of it, and that docs/protocol.md §8.2 lists exactly its rows.
#include "services/scheduler/task_lifecycle.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace orion::scheduler {
namespace {

constexpr TaskState kStates[] = {TaskState::UNKNOWN,   TaskState::PENDING, TaskState::ASSIGNED,  TaskState::RUNNING,
                                 TaskState::COMPLETED, TaskState::FAILED,  TaskState::CANCELLED, TaskState::TIMEOUT,
                                 TaskState::PARKED};

TaskRecord task_in(TaskState s) {
  TaskRecord t;
  t.seq = 7;
  t.state = s;
  return t;
}

// transition() on a refused change: aborts in a debug build; in a release build returns false
// and leaves the task as it was.
void expect_refused(TaskState from, TaskState to, Cause cause) {
  SCOPED_TRACE(std::string(to_string(from)) + " -> " + std::string(to_string(to)) + " by " + std::string(to_string(cause)));
  EXPECT_FALSE(transition_allowed(from, to, cause));
  TaskRecord t = task_in(from);
  bool changed = true;
  EXPECT_DEBUG_DEATH(changed = transition(t, to, cause), "lifecycle table");
#ifdef NDEBUG
  EXPECT_FALSE(changed);
  EXPECT_EQ(t.state, from);
#endif
}

TEST(TaskLifecycleTest, EveryRowOfTheTableMovesATaskFromEachOfItsStatesToItsTarget) {
  std::size_t moves = 0;
  for (const auto& row : kTransitions) {
    for (auto from : kStates) {
      if (!(row.from & state_bit(from))) continue;
      TaskRecord t = task_in(from);
      EXPECT_TRUE(transition(t, row.to, row.cause)) << row.name << " from " << to_string(from);
      EXPECT_EQ(t.state, row.to) << row.name;
      ++moves;
    }
  }
  EXPECT_EQ(moves, 30u);  // the rows' from-states, counted by hand from the table
}

TEST(TaskLifecycleTest, ASampleOfChangesTheTableDoesNotListIsRefusedAndChangesNothing) {
  expect_refused(TaskState::COMPLETED, TaskState::PENDING, Cause::REOPEN);      // COMPLETED never changes
  expect_refused(TaskState::PENDING, TaskState::RUNNING, Cause::START);         // started before assigned
  expect_refused(TaskState::FAILED, TaskState::PENDING, Cause::RETRY);          // only REOPEN leaves FAILED
  expect_refused(TaskState::RUNNING, TaskState::ASSIGNED, Cause::ASSIGN);       // assigned twice
  expect_refused(TaskState::PENDING, TaskState::COMPLETED, Cause::RESULT_OK);   // a result with no lease
  expect_refused(TaskState::CANCELLED, TaskState::FAILED, Cause::DEPENDENCY_FAILED);
  expect_refused(TaskState::ASSIGNED, TaskState::TIMEOUT, Cause::CANCEL);       // a cause has one target
  expect_refused(TaskState::PENDING, TaskState::PENDING, Cause::SUBMIT);        // submitted twice
  expect_refused(TaskState::RUNNING, TaskState::CANCELLED, Cause::GATE_CLOSED); // a gate holds only PENDING work
  expect_refused(TaskState::PARKED, TaskState::CANCELLED, Cause::CANCEL);       // a parked task is discarded
  expect_refused(TaskState::PARKED, TaskState::PENDING, Cause::REOPEN);         // RETRY_PARKED, not RETRY_WORKFLOW
  expect_refused(TaskState::PARKED, TaskState::FAILED, Cause::DEPENDENCY_FAILED);
  expect_refused(TaskState::PENDING, TaskState::PARKED, Cause::RETRIES_EXHAUSTED);  // only a leased attempt fails
  expect_refused(TaskState::FAILED, TaskState::PENDING, Cause::PARKED_RETRY);   // only PARKED is retried so
}

TEST(TaskLifecycleTest, ParkedIsNotTerminalAndIsLeftOnlyByARetryOrADiscard) {
  EXPECT_FALSE(is_terminal(TaskState::PARKED));
  EXPECT_FALSE(is_leased(TaskState::PARKED));
  EXPECT_EQ(to_string(TaskState::PARKED), "PARKED");
  EXPECT_EQ(task_state_from_string("parked"), TaskState::PARKED);
  std::set<std::string> leaving;
  for (const auto& row : kTransitions) {
    if (row.from & state_bit(TaskState::PARKED)) leaving.insert(std::string(row.name));
  }
  EXPECT_EQ(leaving, (std::set<std::string>{"PARKED_RETRY", "DISCARD"}));
  TaskRecord t = task_in(TaskState::PARKED);
  EXPECT_FALSE(is_queued(t));
}

TEST(TaskLifecycleTest, TerminalStatesChangeOnlyByReopenAndCompletedNever) {
  for (auto from : kStates) {
    for (auto to : kStates) {
      for (const auto& row : kTransitions) {
        if (!transition_allowed(from, to, row.cause)) continue;
        if (is_terminal(from)) {
          EXPECT_EQ(row.cause, Cause::REOPEN) << to_string(from) << " left by " << row.name;
          EXPECT_NE(from, TaskState::COMPLETED);
        }
        EXPECT_NE(to, TaskState::UNKNOWN) << row.name;
        if (from == TaskState::UNKNOWN) {
          EXPECT_EQ(to, TaskState::PENDING) << row.name;
        }
      }
    }
  }
}

TEST(TaskLifecycleTest, QueuedMeansPendingWithEveryDependencyMetAndNoRetryDue) {
  TaskRecord t = task_in(TaskState::PENDING);
  EXPECT_TRUE(is_queued(t));
  t.unmet = 1;
  EXPECT_FALSE(is_queued(t));
  t.unmet = 0, t.retry_due_ms = 5;
  EXPECT_FALSE(is_queued(t));
  t.retry_due_ms = 0, t.state = TaskState::ASSIGNED;
  EXPECT_FALSE(is_queued(t));
  EXPECT_TRUE(is_leased(TaskState::ASSIGNED) && is_leased(TaskState::RUNNING));
  EXPECT_FALSE(is_leased(TaskState::PENDING) || is_leased(TaskState::COMPLETED));
}

// The rows of docs/protocol.md §8.2's transition table: (cause, from states, to).
using Row = std::tuple<std::string, std::set<TaskState>, TaskState>;

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line.substr(1));
  std::string cell;
  while (std::getline(in, cell, '|')) {
    auto b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
    out.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
  }
  return out;
}

TaskState state_named(const std::string& name) {
  if (name == "(none)") return TaskState::UNKNOWN;
  auto s = task_state_from_string(name);
  EXPECT_TRUE(s.has_value()) << "not a task state: " << name;
  return s.value_or(TaskState::UNKNOWN);
}

std::vector<Row> documented_rows() {
  std::ifstream doc(std::string(ORION_SOURCE_DIR) + "/docs/protocol.md");
  EXPECT_TRUE(doc.good());
  std::vector<Row> rows;
  bool in_section = false, in_table = false;
  for (std::string line; std::getline(doc, line);) {
    if (line.rfind("### ", 0) == 0) in_section = line.find("Task state") != std::string::npos;
    if (!in_section) continue;
    if (line.rfind("| cause |", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (line.rfind("|", 0) != 0) {
      in_table = false;
      continue;
    }
    auto c = cells(line);
    if (c.size() < 3 || c[0].rfind("---", 0) == 0) continue;
    std::set<TaskState> from;
    std::stringstream names(c[1]);
    for (std::string n; std::getline(names, n, ',');) from.insert(state_named(n.substr(n.find_first_not_of(' '))));
    rows.emplace_back(c[0], from, state_named(c[2]));
  }
  return rows;
}

TEST(TaskLifecycleTest, TheProtocolDocumentListsExactlyTheRowsOfTheTable) {
  std::vector<Row> code;
  for (const auto& row : kTransitions) {
    std::set<TaskState> from;
    for (auto s : kStates) {
      if (row.from & state_bit(s)) from.insert(s);
    }
    code.emplace_back(std::string(row.name), from, row.to);
  }
  EXPECT_EQ(documented_rows(), code);
}

}  // namespace
}  // namespace orion::scheduler
