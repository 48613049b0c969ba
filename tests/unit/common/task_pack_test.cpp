// The direct msgpack writers must give the same values as the Json path they replace.
#include <gtest/gtest.h>

#include <limits>

#include "common/codec.h"
#include "common/envelope.h"
#include "common/task_pack.h"

namespace orion {
namespace {

Json decode(const std::string& bytes) {
  auto v = decode_value(bytes.data(), bytes.size());
  EXPECT_TRUE(v.ok()) << (v ? "" : v.error().to_string());
  return v ? *v : Json();
}

TaskView full_view() {
  TaskView v;
  v.task_id = "t42";
  v.spec.name = "train";
  v.spec.type = "ml";
  v.spec.capabilities = {"gpu", "python"};
  v.spec.preferred_agents = {"a1"};
  v.spec.excluded_agents = {"a2", "a3"};
  v.spec.priority = Priority::URGENT;
  v.spec.timeout_ms = 1500;
  v.spec.retries = 3;
  v.spec.retry = RetryPolicy{BackoffKind::EXPONENTIAL, 100, 5000, 1.5, 0.25};
  v.spec.depends_on = {"t1", "t2"};
  v.spec.idempotency_key = "k";
  v.spec.unschedulable_timeout_ms = 0;
  v.spec.result_ttl_ms = 3'600'000;
  v.spec.not_before_ms = 1'800'000'000'000;
  v.spec.on_exhausted = "park";
  v.spec.input = {{"n", -7}, {"big", std::numeric_limits<std::int64_t>::max()}, {"f", 0.1}, {"s", "x"},
                  {"l", {1, "two", nullptr, true}}};
  v.spec.metadata = {{"owner", "ops"}};
  v.state = TaskState::RUNNING;
  v.effective_priority = Priority::URGENT;
  v.failures = 1;
  v.retry_at_ms = 99;
  v.waiting_on = {"t2"};
  v.history = {StateChange{TaskState::PENDING, 1, 0, "", "created"},
               StateChange{TaskState::ASSIGNED, 2, 1, "a1", std::string(300, 'w')}};
  v.assigned_agent = "a1";
  v.attempt = 2;
  v.progress = 37.5;
  v.output = Json::array({1, 2});
  v.error = "e";
  v.reason = "r";
  v.created_ms = 1;
  v.assigned_ms = -5;  // out of the decoder's range, still written faithfully
  v.started_ms = 70000;
  v.finished_ms = 1LL << 40;
  v.spec.consensus.type = "pbft";
  v.spec.consensus.capability = "ops";
  v.spec.consensus.voters = {"a1", "a2"};
  v.spec.consensus.data = {{"why", "release"}};
  v.gate = GateState{"t40", "p3", ""};
  return v;
}

TEST(TaskPack, AFullViewDecodesToWhatToJsonGives) {
  auto v = full_view();
  MsgWriter w;
  v.write_packed(w);
  EXPECT_EQ(decode(w.bytes()), v.to_json());
}

TEST(TaskPack, AMinimalSpecLeavesOutTheSameOptionalFieldsAsToJson) {
  TaskSpec s;
  s.type = "echo";
  MsgWriter w;
  s.write_packed(w);
  EXPECT_EQ(decode(w.bytes()), s.to_json());
  EXPECT_FALSE(decode(w.bytes()).contains("retry"));
}

TEST(TaskPack, AViewWithoutWaitingOnIsTheJsonViewWithoutIt) {
  auto v = full_view();
  MsgWriter w;
  TaskViewRef{v.spec, v.task_id, v.state, v.effective_priority, v.failures, v.retry_at_ms, /*waiting_on=*/nullptr,
              v.history, v.assigned_agent, v.attempt, v.progress, v.output, v.error, v.reason, v.created_ms,
              v.assigned_ms, v.started_ms, v.finished_ms, v.gate}
      .write_packed(w);
  Json expected = v.to_json();
  expected.erase("waiting_on");
  EXPECT_EQ(decode(w.bytes()), expected);
}

TEST(TaskPack, TaskInfoAssignAndEventBodiesReadBackThroughTheirDecoders) {
  auto v = full_view();
  v.assigned_ms = 5;
  auto info = TaskInfo::from_body(decode(pack_task_info(v)));
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  EXPECT_EQ(info->task.to_json(), TaskView::from_json(v.to_json())->to_json());

  Json out1 = {{"x", 1}};
  auto assign = Assign::from_body(decode(pack_assign(v, {{"t1", &out1}})));
  ASSERT_TRUE(assign.ok()) << assign.error().to_string();
  Assign expected{v.task_id, v.attempt, v.spec.type, v.spec.input, {{"t1", out1}}, v.spec.metadata,
                  v.spec.timeout_ms};
  EXPECT_EQ(decode(pack_assign(v, {{"t1", &out1}})), expected.to_body());
  expected.deps = Json::object();
  EXPECT_EQ(decode(pack_assign(v, {})), expected.to_body());

  MsgWriter data;
  data.map(1), data.key("task_id"), data.str("t42");
  auto ev = Event::from_body(decode(pack_event("task.completed", "scheduler", 77, 9, 1234, data.bytes())));
  ASSERT_TRUE(ev.ok()) << ev.error().to_string();
  EXPECT_EQ(ev->topic, "task.completed");
  EXPECT_EQ(ev->epoch, 77u);
  EXPECT_EQ(ev->seq, 9u);
  Event expected_event{"task.completed", "scheduler", 77, 9, 1234, Json({{"task_id", "t42"}})};
  EXPECT_EQ(decode(pack_event("task.completed", "scheduler", 77, 9, 1234, data.bytes())), expected_event.to_body());
  EXPECT_EQ(ev->data, Json({{"task_id", "t42"}}));
}

TEST(TaskPack, IntegersAndStringsUseTheSmallestFormatLikeNlohmann) {
  const std::int64_t values[] = {0,      1,      127,         128,         255,       256,
                                 65535,  65536,  4294967295,  4294967296,  -1,        -32,
                                 -33,    -128,   -129,        -32768,      -32769,    -2147483648LL,
                                 -2147483649LL, std::numeric_limits<std::int64_t>::min(),
                                 std::numeric_limits<std::int64_t>::max()};
  for (std::int64_t n : values) {
    MsgWriter w;
    w.integer(n);
    EXPECT_EQ(w.bytes(), encode_value(Json(n))) << n;
  }
  for (std::size_t len : {0u, 31u, 32u, 255u, 256u, 65535u, 65536u}) {
    MsgWriter w;
    std::string s(len, 'a');
    w.str(s);
    EXPECT_EQ(w.bytes(), encode_value(Json(s))) << len;
  }
  for (std::size_t n : {0u, 15u, 16u, 65535u, 65536u}) {
    MsgWriter w;
    w.array(n);
    for (std::size_t i = 0; i < n; ++i) w.nil();
    EXPECT_EQ(w.bytes(), encode_value(Json(std::vector<std::nullptr_t>(n, nullptr)))) << n;
  }
}

TEST(TaskPack, APackedEnvelopeSendsItsPackedBody) {
  auto e = packed_envelope(MsgType::TASK_INFO, "r1", pack_task_info(full_view()));
  auto frames = encode_frames(e);
  auto back = decode_frames(frames);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->body, body_of(e));
  EXPECT_EQ(back->request_id, "r1");
}

TEST(TaskPack, ResultOkIsTheBytesOfToBody) {
  EXPECT_EQ((ResultOk{"t12", 3, true}.to_packed()), encode_value((ResultOk{"t12", 3, true}.to_body())));
  EXPECT_EQ((ResultOk{"t7", 0, false}.to_packed()), encode_value((ResultOk{"t7", 0, false}.to_body())));
}

TEST(TaskPack, TaskProgressDecodesToToBodyAndTaskResultIsItsBytes) {
  // progress is written as a float64 where nlohmann may choose a float32: the same value.
  for (double progress : {0.0, 12.5, 33.3333, 100.0}) {
    TaskProgress p{"t12", 3, progress, "started"};
    std::string packed = p.to_packed();
    auto back = decode_value(packed.data(), packed.size());
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, p.to_body());
    auto read = TaskProgress::from_body(*back);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read->progress, progress);
  }
  TaskResult ok{"t7", 1, true, Json{{"echo", {1, 2.5, "x", nullptr}}}, ""};
  EXPECT_EQ(ok.to_packed(), encode_value(ok.to_body()));
  TaskResult failed{"t8", 2, false, Json(), "it broke"};
  EXPECT_EQ(failed.to_packed(), encode_value(failed.to_body()));
  TaskResult scalar{"t9", 1000000, true, Json(42), ""};
  EXPECT_EQ(scalar.to_packed(), encode_value(scalar.to_body()));
}

TEST(TaskPack, SubmitBatchDecodesToToBodyAndReadsBackTheSame) {
  SubmitBatch b;
  BatchEntry a{"a", {}};
  a.spec.type = "echo";
  a.spec.capabilities = {"echo"};
  a.spec.input = {{"x", 1}, {"list", {1, 2.5, "s", nullptr, true}}};
  a.spec.metadata = {{"team", "ml"}};
  a.spec.priority = Priority::HIGH;
  a.spec.retries = 2;
  BatchEntry c{"c", {}};
  c.spec.type = "train";
  c.spec.depends_on = {"a"};
  c.spec.input = 7;
  b.tasks = {a, c};
  for (bool gated : {false, true}) {
    if (gated) {
      b.consensus.type = "majority";
      b.consensus.capability = "vote";
    }
    std::string packed = b.to_packed();
    auto back = decode_value(packed.data(), packed.size());
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, b.to_body());
    auto read = SubmitBatch::from_packed(packed);
    ASSERT_TRUE(read.ok()) << read.error().to_string();
    EXPECT_EQ(read->to_body(), b.to_body());
  }
}

TEST(TaskPack, SubmitBatchOkIsTheBytesOfToBody) {
  SubmitBatchOk ok;
  for (int i = 0; i < 40; ++i) ok.task_ids["k" + std::to_string(i)] = "t" + std::to_string(100 + i);
  EXPECT_EQ(pack_submit_batch_ok(ok), encode_value(ok.to_body()));
  ok.duplicate = true;
  EXPECT_EQ(pack_submit_batch_ok(ok), encode_value(ok.to_body()));
}

}  // namespace
}  // namespace orion
