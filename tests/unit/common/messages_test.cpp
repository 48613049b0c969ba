// Tests of common/messages.*: every message survives the whole wire path
// (to_body -> encode_frames -> decode_frames -> from_body) with its fields equal; the wire form
// of a few messages is frozen byte for byte; bad fields are refused with an error naming them.
#include "common/messages.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/envelope.h"
#include "common/fields.h"

namespace orion {
namespace {

// Wire values are frozen: a test that fails here means a peer of another build would misread
// the message. Add values, never renumber.
static_assert(static_cast<int>(MsgType::UNKNOWN) == 0 && static_cast<int>(MsgType::ERROR) == 1);
static_assert(static_cast<int>(MsgType::REGISTER) == 10 && static_cast<int>(MsgType::ANNOUNCE_OK) == 21);
static_assert(static_cast<int>(MsgType::SUBMIT) == 30 && static_cast<int>(MsgType::WAIT_TASK) == 34);
static_assert(static_cast<int>(MsgType::ATTACH) == 50 && static_cast<int>(MsgType::DETACH) == 59);
static_assert(static_cast<int>(MsgType::EVENT) == 80);
static_assert(static_cast<int>(ErrorCode::UNKNOWN) == 0 && static_cast<int>(ErrorCode::MALFORMED) == 7);
static_assert(static_cast<int>(ErrorCode::INTERNAL) == 13);

const std::string kUnicode = "\xC3\xA9t\xC3\xA9 \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x9A\x80";  // été 世界 🚀

// A task input with one of everything: nesting, binary, extreme and negative integers, floats.
Json rich_input() {
  return {{"text", kUnicode},
          {"blob", Json::binary({0x00, 0x01, 0xFE, 0xFF})},
          {"big", std::numeric_limits<std::uint64_t>::max()},
          {"small", std::numeric_limits<std::int64_t>::min()},
          {"negative", -42},
          {"ratio", 0.1},
          {"half", -2.5},
          {"nested", {{"list", {1, "two", {{"three", {3.75, nullptr, false}}}}}, {"empty", Json::object()}}}};
}

template <class M>
Result<M> round_trip(const M& message, MsgType type) {
  auto frames = encode_frames(Envelope{type, "rid-\xC3\xA9", message.to_body()});
  auto envelope = decode_frames(frames);
  if (!envelope) return envelope.error();
  if (envelope->type != type) return make_error(ErrorCode::INTERNAL, "type changed");
  if (envelope->request_id != "rid-\xC3\xA9") return make_error(ErrorCode::INTERNAL, "request id changed");
  return M::from_body(envelope->body);
}

AgentSpec sample_agent() {
  AgentSpec a;
  a.agent_id = "agent-" + kUnicode;
  a.capabilities = {"gpu", "ssd", kUnicode};
  a.capacity = 64;
  a.weight = 2.75;
  a.labels = {{"zone", "eu-west-1a"}, {"owner", kUnicode}};
  a.sdk_version = "0.1.0+cpp";
  a.public_key = std::string(32, 'a') + std::string(32, 'F');
  return a;
}

void expect_same(const AgentSpec& a, const AgentSpec& b) {
  EXPECT_EQ(a.agent_id, b.agent_id);
  EXPECT_EQ(a.capabilities, b.capabilities);
  EXPECT_EQ(a.capacity, b.capacity);
  EXPECT_EQ(a.weight, b.weight);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.sdk_version, b.sdk_version);
  EXPECT_EQ(a.public_key, b.public_key);
}

TaskSpec sample_spec() {
  TaskSpec t;
  t.name = "nightly " + kUnicode;
  t.type = "image.resize";
  t.capabilities = {"gpu", "ssd"};
  t.priority = Priority::CRITICAL;
  t.timeout_ms = kMaxTimeoutMs;
  t.input = rich_input();
  t.metadata = {{"team", "ops"}, {"trace", {{"id", 123456789012345LL}}}};
  return t;
}

void expect_same(const TaskSpec& a, const TaskSpec& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.capabilities, b.capabilities);
  EXPECT_EQ(a.priority, b.priority);
  EXPECT_EQ(a.timeout_ms, b.timeout_ms);
  EXPECT_EQ(a.input, b.input);
  EXPECT_EQ(a.metadata, b.metadata);
}

// ---- Round trips of every message ---------------------------------------------------------

TEST(MessageRoundTrip, RegisterKeepsEveryAgentField) {
  Register m{sample_agent()};
  auto back = round_trip(m, MsgType::REGISTER);
  ASSERT_TRUE(back) << back.error().to_string();
  expect_same(back->agent, m.agent);
}

TEST(MessageRoundTrip, RegisterOkKeepsHeartbeatLivenessAndReplaced) {
  RegisterOk m{250, 7, true};
  auto back = round_trip(m, MsgType::REGISTER_OK);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->heartbeat_ms, 250);
  EXPECT_EQ(back->liveness, 7);
  EXPECT_TRUE(back->replaced);
}

TEST(MessageRoundTrip, HeartbeatKeepsAgentIdAndLoad) {
  Heartbeat m{"agent-" + kUnicode, 99'999};
  auto back = round_trip(m, MsgType::HEARTBEAT);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->agent_id, m.agent_id);
  EXPECT_EQ(back->load, 99'999);
}

TEST(MessageRoundTrip, HeartbeatResourcesAreOptionalBoundedAndNamedInErrors) {
  Heartbeat m{"a1", 2};
  EXPECT_FALSE(m.to_body().contains("resources")) << "omitted when not measured: older registries see no change";
  m.resources = AgentResources{1.25, 123'456'789, 2};
  auto back = round_trip(m, MsgType::HEARTBEAT);
  ASSERT_TRUE(back) << back.error().to_string();
  ASSERT_TRUE(back->resources);
  EXPECT_EQ(back->resources->cpu, 1.25);
  EXPECT_EQ(back->resources->memory_bytes, 123'456'789);
  EXPECT_EQ(back->resources->handlers, 2);
  for (const Json& bad : {Json{{"cpu", -1}}, Json{{"cpu", 5000}}, Json{{"memory_bytes", -5}}, Json{{"handlers", "x"}},
                          Json("not a map")}) {
    Json b = m.to_body();
    b["resources"] = bad;
    auto r = Heartbeat::from_body(b);
    ASSERT_FALSE(r) << bad;
    // A value out of its bounds is INVALID_ARGUMENT; a field of the wrong type MALFORMED, as elsewhere.
    EXPECT_TRUE(r.error().code == ErrorCode::INVALID_ARGUMENT || r.error().code == ErrorCode::MALFORMED)
        << bad << " " << r.error().to_string();
    EXPECT_NE(r.error().message.find("resources"), std::string::npos) << r.error().message;
  }
  AgentView v;
  v.spec.agent_id = "a1";
  v.resources = AgentResources{0.5, 1, 0};
  auto view = AgentView::from_json(v.to_json());
  ASSERT_TRUE(view) << view.error().to_string();
  ASSERT_TRUE(view->resources);
  EXPECT_EQ(view->resources->cpu, 0.5);
}

TEST(MessageRoundTrip, DeregisterKeepsAgentId) {
  Deregister m{"agent-" + kUnicode};
  auto back = round_trip(m, MsgType::DEREGISTER);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->agent_id, m.agent_id);
}

TEST(MessageRoundTrip, AgentListKeepsEveryAgentInOrder) {
  AgentView up{sample_agent(), "UP", 12, 1'700'000'000'000, 1'700'000'123'456};
  AgentSpec other;
  other.agent_id = "b";
  AgentView down{other, "DOWN", 0, 1, std::numeric_limits<std::int64_t>::max()};
  AgentList m{{up, down}};
  auto back = round_trip(m, MsgType::AGENT_LIST);
  ASSERT_TRUE(back) << back.error().to_string();
  ASSERT_EQ(back->agents.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    expect_same(back->agents[i].spec, m.agents[i].spec);
    EXPECT_EQ(back->agents[i].state, m.agents[i].state);
    EXPECT_EQ(back->agents[i].load, m.agents[i].load);
    EXPECT_EQ(back->agents[i].registered_ms, m.agents[i].registered_ms);
    EXPECT_EQ(back->agents[i].last_seen_ms, m.agents[i].last_seen_ms);
  }
}

TEST(MessageRoundTrip, AnEmptyAgentListStaysEmpty) {
  auto back = round_trip(AgentList{}, MsgType::AGENT_LIST);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_TRUE(back->agents.empty());
}

TEST(MessageRoundTrip, DiscoveryKeepsEveryEndpoint) {
  Discovery m{"tcp://10.0.0.1:7200", "tcp://10.0.0.1:7201", "tcp://10.0.0.2:7101", "tcp://10.0.0.2:7102", ""};
  auto back = round_trip(m, MsgType::DISCOVERY);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->scheduler_client, m.scheduler_client);
  EXPECT_EQ(back->scheduler_agent, m.scheduler_agent);
  EXPECT_EQ(back->events_pub, m.events_pub);
  EXPECT_EQ(back->events_sub, m.events_sub);
  EXPECT_EQ(back->consensus, "");
}

TEST(MessageRoundTrip, AnnounceKeepsServiceAndEndpoints) {
  Announce m{"scheduler", {{"client", "tcp://h:7200"}, {"agent", "tcp://h:7201"}, {kUnicode, kUnicode}}};
  auto back = round_trip(m, MsgType::ANNOUNCE);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->service, "scheduler");
  EXPECT_EQ(back->endpoints, m.endpoints);
}

TEST(MessageRoundTrip, SubmitTaskKeepsEveryTaskField) {
  SubmitTask m{sample_spec()};
  auto back = round_trip(m, MsgType::SUBMIT);
  ASSERT_TRUE(back) << back.error().to_string();
  expect_same(back->spec, m.spec);
  EXPECT_TRUE(back->spec.input["blob"].is_binary());
}

TEST(MessageRoundTrip, SubmitTaskWithNoInputGetsNilAndTheDefaults) {
  SubmitTask m;
  m.spec.type = "noop";
  auto back = round_trip(m, MsgType::SUBMIT);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_TRUE(back->spec.input.is_null());
  EXPECT_EQ(back->spec.priority, Priority::NORMAL);
  EXPECT_EQ(back->spec.metadata, Json::object());
}

// The usage example at the top of messages.h, line for line: it must stay true.
TEST(MessageRoundTrip, TheHeaderExampleRunsAsWritten) {
  SubmitTask m; m.spec.type = "echo"; m.spec.input = {{"x", 1}};
  Json body = m.to_body();
  Result<SubmitTask> back = SubmitTask::from_body(body);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->spec.type, "echo");
  EXPECT_EQ(body["task"]["type"], "echo");
  auto refused = SubmitTask::from_body(Json::object());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "field 'task': is required");
}

TEST(MessageRoundTrip, SubmitOkKeepsTaskIdAndDuplicate) {
  SubmitOk m{"T-" + kUnicode, true};
  auto back = round_trip(m, MsgType::SUBMIT_OK);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->task_id, m.task_id);
  EXPECT_TRUE(back->duplicate);
}

TEST(MessageRoundTrip, GetTaskKeepsTaskId) {
  GetTask m{"T-" + kUnicode};
  auto back = round_trip(m, MsgType::GET_TASK);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->task_id, m.task_id);
}

TEST(MessageRoundTrip, WaitTaskKeepsTaskIdAndTimeout) {
  WaitTask m{"T1", 3'600'000};
  auto back = round_trip(m, MsgType::WAIT_TASK);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->task_id, "T1");
  EXPECT_EQ(back->timeout_ms, 3'600'000);
}

TEST(MessageRoundTrip, TaskInfoKeepsEveryViewField) {
  TaskInfo m;
  m.task.task_id = "T-" + kUnicode;
  m.task.spec = sample_spec();
  m.task.state = TaskState::FAILED;
  m.task.assigned_agent = "agent-" + kUnicode;
  m.task.attempt = 3;
  m.task.progress = 99.5;
  m.task.output = rich_input();
  m.task.error = "disk full: " + kUnicode;
  m.task.reason = "retries exhausted";
  m.task.created_ms = 1'700'000'000'000;
  m.task.assigned_ms = 1'700'000'000'001;
  m.task.started_ms = 1'700'000'000'002;
  m.task.finished_ms = std::numeric_limits<std::int64_t>::max();
  auto back = round_trip(m, MsgType::TASK_INFO);
  ASSERT_TRUE(back) << back.error().to_string();
  const TaskView& v = back->task;
  EXPECT_EQ(v.task_id, m.task.task_id);
  expect_same(v.spec, m.task.spec);
  EXPECT_EQ(v.state, TaskState::FAILED);
  EXPECT_EQ(v.assigned_agent, m.task.assigned_agent);
  EXPECT_EQ(v.attempt, 3);
  EXPECT_EQ(v.progress, 99.5);
  EXPECT_EQ(v.output, m.task.output);
  EXPECT_EQ(v.error, m.task.error);
  EXPECT_EQ(v.reason, m.task.reason);
  EXPECT_EQ(v.created_ms, m.task.created_ms);
  EXPECT_EQ(v.assigned_ms, m.task.assigned_ms);
  EXPECT_EQ(v.started_ms, m.task.started_ms);
  EXPECT_EQ(v.finished_ms, m.task.finished_ms);
}

TEST(MessageRoundTrip, AttachKeepsEveryAgentField) {
  Attach m{sample_agent(), std::nullopt};
  auto back = round_trip(m, MsgType::ATTACH);
  ASSERT_TRUE(back) << back.error().to_string();
  expect_same(back->agent, m.agent);
}

TEST(MessageRoundTrip, AttachKeepsWhatTheAgentRunsAndTellsAnAbsentListFromAnEmptyOne) {
  Attach m{sample_agent(), std::vector<TaskRef>{{"T1", 1}, {"T-" + kUnicode, 1'000'000}}};
  auto back = round_trip(m, MsgType::ATTACH);
  ASSERT_TRUE(back) << back.error().to_string();
  ASSERT_TRUE(back->running.has_value());
  EXPECT_EQ(*back->running, *m.running);
  m.running = std::vector<TaskRef>{};
  back = round_trip(m, MsgType::ATTACH);
  ASSERT_TRUE(back && back->running.has_value());
  EXPECT_TRUE(back->running->empty());
  m.running.reset();
  EXPECT_FALSE(m.to_body().contains("running")) << "absent when not said: the body of older agents";
  back = round_trip(m, MsgType::ATTACH);
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->running.has_value());
}

TEST(MessageRoundTrip, AttachOkKeepsHeartbeatAndLiveness) {
  AttachOk m{3'600'000, 1000};
  auto back = round_trip(m, MsgType::ATTACH_OK);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->heartbeat_ms, 3'600'000);
  EXPECT_EQ(back->liveness, 1000);
}

TEST(MessageBounds, AgentSpecPublicKeyIsEmptyOr64HexDigits) {
  AgentSpec a;
  a.agent_id = "a1";
  auto back = AgentSpec::from_json(a.to_json());
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->public_key, "");
  EXPECT_FALSE(a.to_json().contains("public_key"));  // empty is omitted
  for (const std::string& bad : {std::string(63, 'a'), std::string(65, 'a'), std::string(63, 'a') + "g"}) {
    Json j = a.to_json();
    j["public_key"] = bad;
    auto r = AgentSpec::from_json(j);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(r.error().message.find("public_key"), std::string::npos);
  }
  Json j = a.to_json();
  j["public_key"] = 7;
  EXPECT_FALSE(AgentSpec::from_json(j));
}

TEST(MessageRoundTrip, AgentHeartbeatKeepsTheRunningTasksInOrder) {
  AgentHeartbeat m{"agent-1", {{"T1", 1}, {"T-" + kUnicode, 1'000'000}, {"T3", 0}}};
  auto back = round_trip(m, MsgType::AGENT_HEARTBEAT);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->agent_id, "agent-1");
  ASSERT_EQ(back->running.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back->running[i].task_id, m.running[i].task_id);
    EXPECT_EQ(back->running[i].attempt, m.running[i].attempt);
  }
}

TEST(MessageRoundTrip, AssignKeepsEveryField) {
  Assign m;
  m.task_id = "T-" + kUnicode;
  m.attempt = 17;
  m.type = "image.resize";
  m.input = rich_input();
  m.metadata = {{"team", kUnicode}};
  m.timeout_ms = 1;
  auto back = round_trip(m, MsgType::ASSIGN);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->task_id, m.task_id);
  EXPECT_EQ(back->attempt, 17);
  EXPECT_EQ(back->type, m.type);
  EXPECT_EQ(back->input, m.input);
  EXPECT_EQ(back->metadata, m.metadata);
  EXPECT_EQ(back->timeout_ms, 1);
}

TEST(MessageRoundTrip, TaskProgressKeepsAFractionalPercentAndMessage) {
  TaskProgress m{"T1", 2, 33.333333333333336, "step 2/3 " + kUnicode};
  auto back = round_trip(m, MsgType::TASK_PROGRESS);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->task_id, "T1");
  EXPECT_EQ(back->attempt, 2);
  EXPECT_EQ(back->progress, m.progress) << "a double that is not a float keeps every bit";
  EXPECT_EQ(back->message, m.message);
}

TEST(MessageRoundTrip, TaskResultKeepsASuccessWithOutput) {
  TaskResult m{"T1", 4, true, rich_input(), ""};
  auto back = round_trip(m, MsgType::TASK_RESULT);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->task_id, "T1");
  EXPECT_EQ(back->attempt, 4);
  EXPECT_TRUE(back->ok);
  EXPECT_EQ(back->output, m.output);
  EXPECT_EQ(back->error, "");
}

TEST(MessageRoundTrip, TaskResultKeepsAFailureWithError) {
  TaskResult m{"T1", 1, false, nullptr, "exit code -11 " + kUnicode};
  auto back = round_trip(m, MsgType::TASK_RESULT);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_FALSE(back->ok);
  EXPECT_TRUE(back->output.is_null());
  EXPECT_EQ(back->error, m.error);
}

TEST(MessageRoundTrip, ResultOkKeepsTaskAttemptAndAccepted) {
  ResultOk m{"T1", 1'000'000, false};
  auto back = round_trip(m, MsgType::RESULT_OK);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->task_id, "T1");
  EXPECT_EQ(back->attempt, 1'000'000);
  EXPECT_FALSE(back->accepted);
}

TEST(MessageRoundTrip, CancelTaskKeepsTaskAttemptAndReason) {
  CancelTask m{"T1", 5, "cancelled by " + kUnicode};
  auto back = round_trip(m, MsgType::CANCEL_TASK);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->task_id, "T1");
  EXPECT_EQ(back->attempt, 5);
  EXPECT_EQ(back->reason, m.reason);
}

TEST(MessageRoundTrip, RetryAndDiscardParkedKeepTheirSelectionAndCounts) {
  RetryParked retry{{"t1", "t2"}, ""};
  auto r = round_trip(retry, MsgType::RETRY_PARKED);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->task_ids, retry.task_ids);
  DiscardParked discard{{}, "sync", "bad " + kUnicode};
  auto d = round_trip(discard, MsgType::DISCARD_PARKED);
  ASSERT_TRUE(d) << d.error().to_string();
  EXPECT_EQ(d->type, "sync");
  EXPECT_EQ(d->reason, discard.reason);
  DiscardParkedOk ok{2, {"t1", "t2"}, true, {"t3"}};
  auto o = round_trip(ok, MsgType::DISCARD_PARKED_OK);
  ASSERT_TRUE(o) << o.error().to_string();
  EXPECT_EQ(o->count, 2);
  EXPECT_TRUE(o->more);
  EXPECT_EQ(o->also_ended, std::vector<std::string>{"t3"});
  RetryParkedOk rok{1, {"t1"}, false};
  auto ro = round_trip(rok, MsgType::RETRY_PARKED_OK);
  ASSERT_TRUE(ro) << ro.error().to_string();
  EXPECT_EQ(ro->task_ids, std::vector<std::string>{"t1"});
}

TEST(MessageRoundTrip, ATaskSpecKeepsItsDelayAndOnExhaustedAndAViewItsParkedState) {
  TaskSpec s;
  s.type = "sync";
  s.not_before_ms = 1'800'000'000'000;
  s.on_exhausted = "park";
  auto back = TaskSpec::from_json(s.to_json());
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->not_before_ms, s.not_before_ms);
  EXPECT_EQ(back->on_exhausted, "park");
  EXPECT_EQ(s.to_json().at("on_exhausted"), "park");
  TaskSpec plain;
  plain.type = "echo";
  EXPECT_FALSE(plain.to_json().contains("on_exhausted")) << "absent = fail: the common message stays as it was";
  EXPECT_FALSE(plain.to_json().contains("not_before_ms"));
  TaskView v;
  v.task_id = "t1";
  v.spec = s;
  v.state = TaskState::PARKED;
  auto view = TaskView::from_json(v.to_json());
  ASSERT_TRUE(view) << view.error().to_string();
  EXPECT_EQ(view->state, TaskState::PARKED);
  Json bad = s.to_json();
  bad["on_exhausted"] = "retry";
  auto refused = TaskSpec::from_json(bad);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("'on_exhausted'"), std::string::npos);
}

TEST(MessageRoundTrip, DetachKeepsAgentId) {
  Detach m{"agent-" + kUnicode};
  auto back = round_trip(m, MsgType::DETACH);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->agent_id, m.agent_id);
}

TEST(MessageRoundTrip, EventKeepsTopicPublisherSeqTimeAndData) {
  Event m;
  m.topic = "task.progress";
  m.publisher = "scheduler";
  m.seq = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  m.ts_ms = 1'700'000'000'000;
  m.data = {{"task_id", "T1"}, {"progress", 12.5}, {"input", rich_input()}};
  auto back = round_trip(m, MsgType::EVENT);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->topic, m.topic);
  EXPECT_EQ(back->publisher, m.publisher);
  EXPECT_EQ(back->seq, m.seq);
  EXPECT_EQ(back->ts_ms, m.ts_ms);
  EXPECT_EQ(back->data, m.data);
}

// ---- Golden bytes ---------------------------------------------------------------------------
//
// These bytes ARE the wire protocol. Each body was checked by hand to be a msgpack map with its
// keys in sorted order (as nlohmann::json emits them), with the smallest integer encoding and a
// float32 where the value is exact in 32 bits, and cross-checked against Python's msgpack.
// If one of these tests fails, the change breaks every peer built before it: change the
// protocol version ("ORION/2") and docs/protocol.md instead of these strings.

std::string hex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string unhex(const std::string& h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

void expect_frames(const Envelope& e, int type_byte, const std::string& request_id, const std::string& body_hex) {
  auto frames = encode_frames(e);
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames[0], "ORION/1");
  EXPECT_EQ(frames[1], std::string(1, static_cast<char>(type_byte)));
  EXPECT_EQ(frames[2], request_id);
  EXPECT_EQ(hex(frames[3]), body_hex);
}

// The frozen frames must also still decode: an old peer's bytes are read by a new build.
Result<Envelope> decode_golden(int type_byte, const std::string& request_id, const std::string& body_hex) {
  return decode_frames(std::vector<std::string>{"ORION/1", std::string(1, static_cast<char>(type_byte)), request_id,
                                                unhex(body_hex)});
}

// {task: {capabilities: ["gpu"], input: {n: -1, s: "é"}, metadata: {team: "ops"}, name: "nightly",
//         priority: 3, timeout_ms: 5000, type: "echo"}}
const char* const kSubmitBody =
    "81a47461736b87ac6361706162696c697469657391a3677075a5696e70757482a16effa173a2c3a9a86d6574616461746181a47465616d"
    "a36f7073a46e616d65a76e696768746c79a87072696f7269747903aa74696d656f75745f6d73cd1388a474797065a46563686f";

TEST(WireForm, SubmitIsFrozen) {
  SubmitTask m;
  m.spec.name = "nightly";
  m.spec.type = "echo";
  m.spec.capabilities = {"gpu"};
  m.spec.priority = Priority::HIGH;
  m.spec.timeout_ms = 5000;
  m.spec.input = {{"n", -1}, {"s", "\xC3\xA9"}};
  m.spec.metadata = {{"team", "ops"}};
  expect_frames(Envelope{MsgType::SUBMIT, "r-1", m.to_body()}, 0x1E, "r-1", kSubmitBody);

  auto e = decode_golden(0x1E, "r-1", kSubmitBody);
  ASSERT_TRUE(e) << e.error().to_string();
  auto back = SubmitTask::from_body(e->body);
  ASSERT_TRUE(back) << back.error().to_string();
  expect_same(back->spec, m.spec);
}

// {attempt: 2, input: [1, 2.5 (float32), true, nil], metadata: {}, task_id: "T1", timeout_ms: 60000,
//  type: "echo"}
const char* const kAssignBody =
    "86a7617474656d707402a5696e7075749401ca40200000c3c0a86d6574616461746180a77461736b5f6964a25431aa74696d656f75745f"
    "6d73cdea60a474797065a46563686f";

TEST(WireForm, AssignIsFrozen) {
  Assign m;
  m.task_id = "T1";
  m.attempt = 2;
  m.type = "echo";
  m.input = {1, 2.5, true, nullptr};
  m.timeout_ms = 60'000;
  expect_frames(Envelope{MsgType::ASSIGN, "", m.to_body()}, 0x36, "", kAssignBody);

  auto e = decode_golden(0x36, "", kAssignBody);
  ASSERT_TRUE(e) << e.error().to_string();
  auto back = Assign::from_body(e->body);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->input, m.input);
  EXPECT_EQ(back->timeout_ms, 60'000);
}

// {attempt: 2, error: "boom", ok: false, output: nil, task_id: "T1"}
const char* const kTaskResultBody = "85a7617474656d707402a56572726f72a4626f6f6da26f6bc2a66f7574707574c0a77461736b5f6964a25431";

TEST(WireForm, TaskResultIsFrozen) {
  TaskResult m{"T1", 2, false, nullptr, "boom"};
  expect_frames(Envelope{MsgType::TASK_RESULT, "r-3", m.to_body()}, 0x38, "r-3", kTaskResultBody);

  auto e = decode_golden(0x38, "r-3", kTaskResultBody);
  ASSERT_TRUE(e) << e.error().to_string();
  auto back = TaskResult::from_body(e->body);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_FALSE(back->ok);
  EXPECT_EQ(back->error, "boom");
}

// {code: 2, message: "task T9 does not exist"}
const char* const kErrorBody = "82a4636f646502a76d657373616765b67461736b20543920646f6573206e6f74206578697374";

TEST(WireForm, ErrorIsFrozen) {
  expect_frames(error_envelope("r-4", make_error(ErrorCode::NOT_FOUND, "task T9 does not exist")), 0x01, "r-4",
                kErrorBody);

  auto e = decode_golden(0x01, "r-4", kErrorBody);
  ASSERT_TRUE(e) << e.error().to_string();
  Error err = error_from_body(e->body);
  EXPECT_EQ(err.code, ErrorCode::NOT_FOUND);
  EXPECT_EQ(err.message, "task T9 does not exist");
}

// {data: {state: 4, task_id: "T1"}, publisher: "scheduler", seq: 7, topic: "task.completed",
//  ts_ms: 1700000000000 (uint64)}
const char* const kEventBody =
    "85a46461746182a5737461746504a77461736b5f6964a25431a97075626c6973686572a97363686564756c6572a373657107a5746f7069"
    "63ae7461736b2e636f6d706c65746564a574735f6d73cf0000018bcfe56800";

TEST(WireForm, EventIsFrozen) {
  Event m;
  m.topic = "task.completed";
  m.publisher = "scheduler";
  m.seq = 7;
  m.ts_ms = 1'700'000'000'000;
  m.data = {{"task_id", "T1"}, {"state", 4}};
  expect_frames(Envelope{MsgType::EVENT, "", m.to_body()}, 0x50, "", kEventBody);

  auto e = decode_golden(0x50, "", kEventBody);
  ASSERT_TRUE(e) << e.error().to_string();
  auto back = Event::from_body(e->body);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->seq, 7u);
  EXPECT_EQ(back->data, m.data);
}

// ---- Field errors ---------------------------------------------------------------------------

template <class R>
void expect_field_error(const R& r, ErrorCode code, const std::string& field) {
  ASSERT_FALSE(r) << "expected an error naming '" << field << "'";
  EXPECT_EQ(r.error().code, code) << r.error().to_string();
  EXPECT_NE(r.error().message.find("'" + field + "'"), std::string::npos) << r.error().to_string();
}

Json submit_body() { return SubmitTask{sample_spec()}.to_body(); }

TEST(MessageFields, SubmitWithoutTaskNamesTask) {
  expect_field_error(SubmitTask::from_body(Json::object()), ErrorCode::INVALID_ARGUMENT, "task");
}

TEST(MessageFields, SubmitWithoutTaskTypeNamesType) {
  Json b = submit_body();
  b["task"].erase("type");
  expect_field_error(SubmitTask::from_body(b), ErrorCode::INVALID_ARGUMENT, "type");
}

TEST(MessageFields, SubmitWithAnEmptyTypeNamesType) {
  Json b = submit_body();
  b["task"]["type"] = "";
  expect_field_error(SubmitTask::from_body(b), ErrorCode::INVALID_ARGUMENT, "type");
}

TEST(MessageFields, SubmitWithPriorityZeroOrSixNamesPriority) {
  for (int p : {0, 6, -1}) {
    Json b = submit_body();
    b["task"]["priority"] = p;
    expect_field_error(SubmitTask::from_body(b), ErrorCode::INVALID_ARGUMENT, "priority");
  }
  for (int p : {1, 5}) {
    Json b = submit_body();
    b["task"]["priority"] = p;
    EXPECT_TRUE(SubmitTask::from_body(b)) << "priority " << p;
  }
}

TEST(MessageFields, SubmitWithANegativeOrOverlongTimeoutNamesTimeoutMs) {
  for (std::int64_t t : {std::int64_t{-1}, kMaxTimeoutMs + 1}) {
    Json b = submit_body();
    b["task"]["timeout_ms"] = t;
    expect_field_error(SubmitTask::from_body(b), ErrorCode::INVALID_ARGUMENT, "timeout_ms");
  }
}

TEST(MessageFields, SubmitWithCapabilitiesNotAnArrayNamesCapabilities) {
  for (const Json& caps : {Json("gpu"), Json{{"gpu", true}}, Json::array({"gpu", 7})}) {
    Json b = submit_body();
    b["task"]["capabilities"] = caps;
    expect_field_error(SubmitTask::from_body(b), ErrorCode::INVALID_ARGUMENT, "capabilities");
  }
}

TEST(MessageFields, SubmitWithInputOverFourMebibytesIsTooLargeAndNamesInput) {
  Json b = submit_body();
  b["task"]["input"] = std::string(kMaxInputBytes, 'x');  // plus the str32 header: 5 bytes over
  expect_field_error(SubmitTask::from_body(b), ErrorCode::TOO_LARGE, "input");
  b["task"]["input"] = std::string(kMaxInputBytes - 5, 'x');  // exactly the bound once encoded
  EXPECT_TRUE(SubmitTask::from_body(b));
}

TEST(MessageFields, SubmitWithMetadataNotAMapNamesMetadata) {
  for (const Json& md : {Json::array({1}), Json("team=ops"), Json(3)}) {
    Json b = submit_body();
    b["task"]["metadata"] = md;
    expect_field_error(SubmitTask::from_body(b), ErrorCode::INVALID_ARGUMENT, "metadata");
  }
}

TEST(MessageFields, SubmitWithAnOverlongNameOrTypeNamesIt) {
  for (const char* key : {"name", "type"}) {
    Json b = submit_body();
    b["task"][key] = std::string(kMaxNameBytes + 1, 'n');
    expect_field_error(SubmitTask::from_body(b), ErrorCode::INVALID_ARGUMENT, key);
  }
}

TEST(MessageFields, UnknownFieldsAreIgnoredAtEveryLevel) {
  Json b = submit_body();
  b["future"] = {{"x", 1}};
  b["task"]["affinity"] = "rack-7";
  auto r = SubmitTask::from_body(b);
  ASSERT_TRUE(r) << r.error().to_string();
  expect_same(r->spec, sample_spec());
}

TEST(MessageFields, RegisterRefusesAMissingOrEmptyAgentIdAndBadCapacityOrWeight) {
  expect_field_error(Register::from_body(Json::object()), ErrorCode::INVALID_ARGUMENT, "agent");
  struct Case {
    const char* key;
    Json value;
  };
  for (const Case& c : {Case{"agent_id", ""}, Case{"agent_id", nullptr}, Case{"capacity", 0},
                        Case{"capacity", 100'001}, Case{"weight", 0}, Case{"weight", -1.0}, Case{"labels", {"a"}}}) {
    Json b = Register{sample_agent()}.to_body();
    b["agent"][c.key] = c.value;
    expect_field_error(Register::from_body(b), ErrorCode::INVALID_ARGUMENT, c.key);
    expect_field_error(Attach::from_body(b), ErrorCode::INVALID_ARGUMENT, c.key);
  }
}

TEST(MessageFields, RegisterOkRequiresAPositiveHeartbeat) {
  expect_field_error(RegisterOk::from_body(Json::object()), ErrorCode::INVALID_ARGUMENT, "heartbeat_ms");
  expect_field_error(RegisterOk::from_body(Json{{"heartbeat_ms", 0}}), ErrorCode::INVALID_ARGUMENT, "heartbeat_ms");
  expect_field_error(AttachOk::from_body(Json{{"heartbeat_ms", 10}, {"liveness", 0}}), ErrorCode::INVALID_ARGUMENT,
                     "liveness");
}

TEST(MessageFields, AgentListRequiresAnArrayOfValidAgents) {
  expect_field_error(AgentList::from_body(Json{{"agents", "none"}}), ErrorCode::INVALID_ARGUMENT, "agents");
  Json bad_load = {{"agent_id", "a"}, {"load", -1}};
  expect_field_error(AgentList::from_body(Json{{"agents", Json::array({bad_load})}}), ErrorCode::INVALID_ARGUMENT,
                     "load");
}

TEST(MessageFields, AnnounceRequiresServiceAndEndpoints) {
  expect_field_error(Announce::from_body(Json{{"endpoints", Json::object()}}), ErrorCode::INVALID_ARGUMENT, "service");
  expect_field_error(Announce::from_body(Json{{"service", "scheduler"}}), ErrorCode::INVALID_ARGUMENT, "endpoints");
}

TEST(MessageFields, WaitTaskRefusesATimeoutOverAnHour) {
  expect_field_error(WaitTask::from_body(Json{{"task_id", "T1"}, {"timeout_ms", 3'600'001}}),
                     ErrorCode::INVALID_ARGUMENT, "timeout_ms");
}

TEST(MessageFields, TaskInfoRefusesAStateOutsideTheEnum) {
  TaskInfo m;
  m.task.task_id = "T1";
  m.task.spec.type = "echo";
  Json b = m.to_body();
  b["task"]["state"] = 9;  // PARKED (8) is the last
  expect_field_error(TaskInfo::from_body(b), ErrorCode::INVALID_ARGUMENT, "state");
}

TEST(MessageFields, AgentHeartbeatRefusesRunningThatIsNotAListOfTaskRefs) {
  expect_field_error(AgentHeartbeat::from_body(Json{{"agent_id", "a"}, {"running", "T1"}}),
                     ErrorCode::INVALID_ARGUMENT, "running");
  Json no_attempt = {{"task_id", "T1"}};
  expect_field_error(AgentHeartbeat::from_body(Json{{"agent_id", "a"}, {"running", Json::array({no_attempt})}}),
                     ErrorCode::INVALID_ARGUMENT, "attempt");
}

TEST(MessageFields, AttachRefusesARunningListThatIsNotTaskRefsOrIsTooLong) {
  Json b = Attach{sample_agent(), std::nullopt}.to_body();
  b["running"] = "T1";
  expect_field_error(Attach::from_body(b), ErrorCode::INVALID_ARGUMENT, "running");
  b["running"] = Json::array({Json{{"task_id", "T1"}}});
  expect_field_error(Attach::from_body(b), ErrorCode::INVALID_ARGUMENT, "attempt");
  b["running"] = Json::array({Json{{"attempt", 1}}});
  expect_field_error(Attach::from_body(b), ErrorCode::INVALID_ARGUMENT, "task_id");
  Json many = Json::array();
  for (int i = 0; i < 100'001; ++i) many.push_back(Json{{"task_id", "t"}, {"attempt", 1}});
  b["running"] = many;
  expect_field_error(Attach::from_body(b), ErrorCode::INVALID_ARGUMENT, "running");
  many.erase(many.end() - 1);
  b["running"] = many;
  auto at_bound = Attach::from_body(b);
  ASSERT_TRUE(at_bound) << at_bound.error().to_string();
  EXPECT_EQ(at_bound->running->size(), 100'000u);
}

TEST(MessageFields, AgentChannelMessagesRefuseAttemptZeroWhereAnAssignmentIsMeant) {
  expect_field_error(Assign::from_body(Json{{"task_id", "T1"}, {"attempt", 0}, {"type", "echo"}}),
                     ErrorCode::INVALID_ARGUMENT, "attempt");
  expect_field_error(TaskProgress::from_body(Json{{"task_id", "T1"}, {"attempt", 0}}), ErrorCode::INVALID_ARGUMENT,
                     "attempt");
  expect_field_error(TaskResult::from_body(Json{{"task_id", "T1"}, {"attempt", 0}, {"ok", true}}),
                     ErrorCode::INVALID_ARGUMENT, "attempt");
}

TEST(MessageFields, TaskProgressRefusesAPercentOutsideZeroToHundred) {
  for (double p : {-0.5, 100.5}) {
    expect_field_error(TaskProgress::from_body(Json{{"task_id", "T1"}, {"attempt", 1}, {"progress", p}}),
                       ErrorCode::INVALID_ARGUMENT, "progress");
  }
}

TEST(MessageFields, TaskResultRequiresOkAndRefusesOutputOverFourMebibytes) {
  expect_field_error(TaskResult::from_body(Json{{"task_id", "T1"}, {"attempt", 1}}), ErrorCode::INVALID_ARGUMENT, "ok");
  Json b = TaskResult{"T1", 1, true, std::string(kMaxInputBytes, 'x'), ""}.to_body();
  expect_field_error(TaskResult::from_body(b), ErrorCode::TOO_LARGE, "output");
}

TEST(MessageFields, EventRequiresATopicAndAMapOfData) {
  expect_field_error(Event::from_body(Json{{"seq", 1}}), ErrorCode::INVALID_ARGUMENT, "topic");
  expect_field_error(Event::from_body(Json{{"topic", "t"}, {"data", 1}}), ErrorCode::INVALID_ARGUMENT, "data");
}

TEST(MessageFields, ABodyThatIsNotAMapIsMalformedOrNamesItsField) {
  EXPECT_EQ(GetTask::from_body(Json::array()).error().code, ErrorCode::MALFORMED);
  EXPECT_EQ(Event::from_body(Json("x")).error().code, ErrorCode::MALFORMED);
  EXPECT_FALSE(SubmitTask::from_body(Json::array()));
  EXPECT_FALSE(AgentList::from_body(Json(nullptr)));
}

TEST(MessageFields, ASubmitBatchOkCarriesAnIdForEveryTaskOfABigBatch) {
  SubmitBatchOk ok;
  for (int i = 0; i < 5000; ++i) ok.task_ids["k" + std::to_string(i)] = "t" + std::to_string(i);
  auto back = SubmitBatchOk::from_body(ok.to_body());
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->task_ids.size(), 5000u);
}

// ---- Type table -----------------------------------------------------------------------------

TEST(MessageTypes, KnowsEveryTypeInTheTableAndNoOther) {
  std::vector<int> known = {1,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 30, 31, 32,
                            33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 50, 51, 52, 53, 54, 55,
                            56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71,
                            72, 73, 74, 75, 76, 77, 80, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 116, 117,
                            118, 119, 120, 121, 122, 123, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149,
                            150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160};
  int count = 0;
  for (int t = 0; t < 256; ++t) {
    bool expected = std::find(known.begin(), known.end(), t) != known.end();
    EXPECT_EQ(is_known(static_cast<MsgType>(t)), expected) << "type " << t;
    count += is_known(static_cast<MsgType>(t)) ? 1 : 0;
  }
  EXPECT_EQ(count, static_cast<int>(known.size()));
  EXPECT_STREQ(to_string(MsgType::TASK_RESULT), "TASK_RESULT");
  EXPECT_FALSE(is_known(MsgType::UNKNOWN));
}

}  // namespace
}  // namespace orion

namespace orion {
namespace {

TEST(ConsensusGateWire, TheShorthandAndTheObjectFormReadBackAndBadOnesNameTheField) {
  auto s = TaskSpec::from_json(Json{{"type", "deploy"}, {"require_consensus", "UNANIMOUS"}});
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->consensus.type, "unanimous");
  EXPECT_EQ(s->consensus.timeout_ms, kDefaultGateTimeoutMs);
  auto back = TaskSpec::from_json(s->to_json());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->consensus.to_json(), s->consensus.to_json());

  auto full = TaskSpec::from_json(Json{{"type", "deploy"},
                                       {"consensus", {{"type", "weighted"}, {"capability", "ops"}, {"voters", {"a", "b"}},
                                                      {"timeout_ms", 5000}, {"data", {{"v", 2}}}}}});
  ASSERT_TRUE(full.ok()) << full.error().to_string();
  EXPECT_EQ(full->consensus.voters, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(full->consensus.timeout_ms, 5000);

  for (const Json& bad : {Json{{"type", "x"}, {"require_consensus", "raft"}},
                          Json{{"type", "x"}, {"require_consensus", 3}},
                          Json{{"type", "x"}, {"consensus", {{"type", "majority"}, {"timeout_ms", 0}}}},
                          Json{{"type", "x"}, {"consensus", {{"type", "majority"}, {"voters", {"a", "a"}}}}},
                          Json{{"type", "x"}, {"consensus", {{"type", "majority"}, {"data", 5}}}},
                          Json{{"type", "x"}, {"consensus", "majority"}, {"require_consensus", "majority"}}}) {
    auto r = TaskSpec::from_json(bad);
    ASSERT_FALSE(r.ok()) << bad.dump();
    EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(r.error().message.find("consensus"), std::string::npos) << r.error().message;
  }
}

TEST(ConsensusGateWire, ABatchGateTravelsWithTheBatch) {
  SubmitBatch b;
  b.tasks.push_back(BatchEntry{"a", TaskSpec{}});
  b.tasks[0].spec.type = "echo";
  b.consensus.type = "majority";
  b.consensus.capability = "ops";
  auto back = SubmitBatch::from_body(b.to_body());
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->consensus.type, "majority");
  EXPECT_EQ(back->consensus.capability, "ops");
  Json bad = b.to_body();
  bad["consensus"] = {{"type", "sometimes"}};
  EXPECT_FALSE(SubmitBatch::from_body(bad).ok());
}

}  // namespace
}  // namespace orion
