// TaskList::from_packed (generated) against the reference path it replaces in the client
// (decode_value, the "is it a map" check of decode_frame_views, then TaskList::from_body): the
// same lists accepted, the same first error (code and message) for everything refused, on the
// scheduler's own packing (TaskList::to_packed, pack_task_list), hand-made refusals and
// thousands of random mutations.
#include "common/messages.h"

#include <random>

#include <gtest/gtest.h>

#include "common/task_pack.h"
#include "tests/unit/common/differential.h"

namespace orion {
namespace {

void expect_same(const std::string& body) {
  EXPECT_EQ(testing::outcome(TaskList::from_packed(body)), testing::outcome(testing::reference<TaskList>(body)));
}

std::vector<TaskView> sample() {
  TaskView done;
  done.task_id = "t1";
  done.spec.type = "echo";
  done.spec.name = "first";
  done.spec.capabilities = {"echo"};
  done.spec.input = {{"x", 1}, {"list", {1, 2.5, "s", nullptr, true}}};
  done.spec.metadata = {{"team", "ml"}};
  done.spec.priority = Priority::HIGH;
  done.state = TaskState::COMPLETED;
  done.effective_priority = Priority::URGENT;
  done.assigned_agent = "a1";
  done.attempt = 2;
  done.failures = 1;
  done.progress = 100;
  done.output = {{"echo", 1}};
  done.created_ms = 1000;
  done.assigned_ms = 1001;
  done.started_ms = 1002;
  done.finished_ms = 1003;
  done.history = {StateChange{TaskState::PENDING, 1000, 0, "", "submitted"},
                  StateChange{TaskState::COMPLETED, 1003, 2, "a1", ""}};
  TaskView waiting;
  waiting.task_id = "t2";
  waiting.spec.type = "train";
  waiting.spec.depends_on = {"t1"};
  waiting.state = TaskState::PENDING;
  waiting.waiting_on = {"t1"};
  waiting.reason = "waiting on 1 dependency";
  waiting.retry_at_ms = 5000;
  waiting.error = "attempt 1 failed";
  waiting.progress = 12.5;
  waiting.gate = GateState{"t2", "p-9", ""};
  return {done, waiting};
}

TEST(TaskListDecodeTest, TheSchedulersPackedAnswerDecodesToWhatTheJsonPathGives) {
  auto views = sample();
  std::string body = TaskList{views, ""}.to_packed();
  EXPECT_EQ(pack_task_list(views.size(), [&](MsgWriter& w, std::size_t i) { views[i].write_packed(w); }), body);
  auto r = TaskList::from_packed(body);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->tasks.size(), 2u);
  EXPECT_EQ(r->tasks[0].to_json(), views[0].to_json());
  EXPECT_EQ(r->tasks[1].to_json(), views[1].to_json());
  expect_same(body);
  expect_same(encode_value(TaskList{views, "cursor"}.to_body()));
  expect_same(encode_value(TaskList{{}, ""}.to_body()));
}

TEST(TaskListDecodeTest, EveryHandMadeRefusalHasTheSameCodeAndMessage) {
  Json good = TaskList{sample(), ""}.to_body();
  auto with = [&](const std::function<void(Json&)>& edit) {
    Json j = good;
    edit(j);
    return encode_value(j);
  };
  expect_same(encode_value(Json::array()));
  expect_same(encode_value(Json::object()));
  expect_same(with([](Json& j) { j["tasks"] = nullptr; }));
  expect_same(with([](Json& j) { j["tasks"] = "x"; }));
  expect_same(with([](Json& j) { j["tasks"][0] = 7; }));
  expect_same(with([](Json& j) { j["tasks"][0].erase("type"); }));
  expect_same(with([](Json& j) { j["tasks"][0].erase("task_id"); }));
  expect_same(with([](Json& j) { j["tasks"][0]["state"] = 9; }));
  expect_same(with([](Json& j) { j["tasks"][0]["state"] = "COMPLETED"; }));
  expect_same(with([](Json& j) { j["tasks"][0]["effective_priority"] = 6; }));
  expect_same(with([](Json& j) { j["tasks"][0]["attempt"] = 1'000'001; }));
  expect_same(with([](Json& j) { j["tasks"][0]["attempt"] = -1; }));
  expect_same(with([](Json& j) { j["tasks"][0]["progress"] = 100.5; }));
  expect_same(with([](Json& j) { j["tasks"][0]["progress"] = "half"; }));
  expect_same(with([](Json& j) { j["tasks"][0]["progress"] = 50; }));
  expect_same(with([](Json& j) { j["tasks"][0]["waiting_on"] = {1, 2}; }));
  expect_same(with([](Json& j) { j["tasks"][0]["reason"] = std::string(5000, 'r'); }));
  expect_same(with([](Json& j) { j["tasks"][0]["history"] = nullptr; }));
  expect_same(with([](Json& j) { j["tasks"][0]["history"] = Json::array({1}); }));
  expect_same(with([](Json& j) { j["tasks"][0]["history"][1].erase("state"); }));
  expect_same(with([](Json& j) { j["tasks"][0]["history"][1]["note"] = std::string(5000, 'n'); }));
  expect_same(with([](Json& j) { j["tasks"][0]["history"] = Json(std::vector<Json>(65, {{"state", 1}})); }));
  expect_same(with([](Json& j) { j["tasks"][1]["gate"] = 3; }));
  expect_same(with([](Json& j) { j["tasks"][1]["gate"] = nullptr; }));
  expect_same(with([](Json& j) { j["tasks"][1]["output"] = nullptr; }));
  expect_same(with([](Json& j) { j["next"] = 5; }));
  expect_same(with([](Json& j) { j["tasks"][0]["unknown"] = {{"ignored", true}}; }));
}

TEST(TaskListDecodeTest, RandomMutationsOfValidBodiesGetTheSameAnswerFromBothDecoders) {
  std::mt19937_64 rng(4321);
  const std::string base = TaskList{sample(), ""}.to_packed();
  int refused = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string body = testing::mutate(base, rng);
    SCOPED_TRACE("round " + std::to_string(round));
    expect_same(body);
    refused += !TaskList::from_packed(body).ok();
  }
  EXPECT_GT(refused, 1000);  // the mutations did reach the refusal paths
}

}  // namespace
}  // namespace orion
