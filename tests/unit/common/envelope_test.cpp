// Tests of common/envelope.*: the four frames every Orion message is made of (protocol, type,
// request id, body), the rejection path for frames that do not decode, and a deterministic
// fuzz run of the whole decoding path.
#include "common/envelope.h"

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "common/messages.h"

namespace orion {
namespace {

std::vector<std::string> frames_of(MsgType type, const std::string& request_id, const Json& body) {
  return encode_frames(Envelope{type, request_id, body});
}

ErrorCode decode_error(const std::vector<std::string>& frames, std::string* request_id = nullptr) {
  auto r = decode_frames(frames, request_id);
  return r ? ErrorCode::UNKNOWN : r.error().code;
}

TEST(Envelope, EncodesProtocolTypeRequestIdAndBodyAsFourFrames) {
  auto frames = frames_of(MsgType::GET_TASK, "req-1", Json{{"task_id", "T1"}});
  ASSERT_EQ(frames.size(), kEnvelopeFrames);
  EXPECT_EQ(frames[0], "ORION/1");
  EXPECT_EQ(frames[1], std::string(1, static_cast<char>(32)));
  EXPECT_EQ(frames[2], "req-1");
  EXPECT_EQ(frames[3], encode_value(Json{{"task_id", "T1"}}));
}

TEST(Envelope, RoundTripsTypeRequestIdAndBody) {
  Json body = {{"task_id", "T1"}, {"nested", {{"a", Json::array({1, -2, 3.5})}}}};
  std::string rid = "r\xC3\xA9q";
  auto back = decode_frames(frames_of(MsgType::WAIT_TASK, rid, body));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->type, MsgType::WAIT_TASK);
  EXPECT_EQ(back->request_id, rid);
  EXPECT_EQ(back->body, body);
}

TEST(Envelope, AcceptsAnEmptyRequestIdAndAnEmptyBodyMap) {
  auto back = decode_frames(frames_of(MsgType::LIST_AGENTS, "", Json::object()));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->request_id, "");
  EXPECT_EQ(back->body, Json::object());
}

TEST(Envelope, DecodesZeroMqMessageFramesTheSameAsStrings) {
  auto strings = frames_of(MsgType::SUBMIT, "r", Json{{"task", {{"type", "echo"}}}});
  std::vector<zmq::message_t> messages;
  for (const auto& s : strings) messages.emplace_back(s.data(), s.size());
  auto back = decode_frames(messages);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->type, MsgType::SUBMIT);
  EXPECT_EQ(back->body["task"]["type"], "echo");
}

TEST(Envelope, RefusesAProtocolFrameThatIsNotOrionAsMalformed) {
  auto frames = frames_of(MsgType::GET_TASK, "r", Json::object());
  frames[0] = "HTTP/1";
  EXPECT_EQ(decode_error(frames), ErrorCode::MALFORMED);
  frames[0] = "";
  EXPECT_EQ(decode_error(frames), ErrorCode::MALFORMED);
  frames[0] = "ORION";
  EXPECT_EQ(decode_error(frames), ErrorCode::MALFORMED);
}

TEST(Envelope, RefusesAnotherOrionVersionAsUnsupportedVersion) {
  auto frames = frames_of(MsgType::GET_TASK, "r", Json::object());
  frames[0] = "ORION/2";
  auto r = decode_frames(frames);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::UNSUPPORTED_VERSION);
  EXPECT_NE(r.error().message.find("ORION/1"), std::string::npos) << "the error says which version we speak";
  frames[0] = "ORION/10";
  EXPECT_EQ(decode_error(frames), ErrorCode::UNSUPPORTED_VERSION);
}

TEST(Envelope, RefusesAnyFrameCountButFourAsMalformed) {
  auto four = frames_of(MsgType::GET_TASK, "r", Json::object());
  for (std::size_t n : {0u, 1u, 2u, 3u}) {
    std::vector<std::string> fewer(four.begin(), four.begin() + n);
    EXPECT_EQ(decode_error(fewer), ErrorCode::MALFORMED) << n << " frames";
  }
  auto five = four;
  five.push_back(encode_value(Json::object()));
  EXPECT_EQ(decode_error(five), ErrorCode::MALFORMED);
}

TEST(Envelope, RefusesATypeFrameThatIsNotOneByteAsMalformed) {
  auto frames = frames_of(MsgType::GET_TASK, "r", Json::object());
  frames[1] = std::string("\x20\x00", 2);
  EXPECT_EQ(decode_error(frames), ErrorCode::MALFORMED);
  frames[1] = "";
  EXPECT_EQ(decode_error(frames), ErrorCode::MALFORMED);
}

TEST(Envelope, RefusesAnUnknownTypeAsUnknownType) {
  auto frames = frames_of(MsgType::GET_TASK, "r", Json::object());
  for (int t : {0, 2, 9, 49, 78, 79, 81, 200, 255}) {
    frames[1] = std::string(1, static_cast<char>(t));
    EXPECT_EQ(decode_error(frames), ErrorCode::UNKNOWN_TYPE) << "type " << t;
  }
}

TEST(Envelope, AcceptsARequestIdOfSixtyFourBytesAndRefusesSixtyFiveAsTooLarge) {
  auto frames = frames_of(MsgType::GET_TASK, std::string(64, 'r'), Json::object());
  EXPECT_TRUE(decode_frames(frames));
  frames[2] = std::string(65, 'r');
  EXPECT_EQ(decode_error(frames), ErrorCode::TOO_LARGE);
}

TEST(Envelope, RefusesABodyThatIsNotAMapAsMalformed) {
  EXPECT_EQ(decode_error(frames_of(MsgType::GET_TASK, "r", Json::array({1}))), ErrorCode::MALFORMED);
  EXPECT_EQ(decode_error(frames_of(MsgType::GET_TASK, "r", Json("task"))), ErrorCode::MALFORMED);
  EXPECT_EQ(decode_error(frames_of(MsgType::GET_TASK, "r", Json(nullptr))), ErrorCode::MALFORMED);
  auto frames = frames_of(MsgType::GET_TASK, "r", Json::object());
  frames[3] = "";
  EXPECT_EQ(decode_error(frames), ErrorCode::MALFORMED);
}

TEST(Envelope, PassesTheCodecErrorOfABadBodyThrough) {
  auto frames = frames_of(MsgType::GET_TASK, "r", Json{{"task_id", "T1"}});
  frames[3].pop_back();  // truncated
  EXPECT_EQ(decode_error(frames), ErrorCode::MALFORMED);

  CodecLimits small;
  small.max_bytes = 4;
  auto r = decode_frames(frames_of(MsgType::GET_TASK, "r", Json{{"task_id", "T1"}}), nullptr, small);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::TOO_LARGE);
}

TEST(Envelope, RecoversTheRequestIdOnErrorWhenFrameTwoIsReadable) {
  std::string rid;
  auto frames = frames_of(MsgType::GET_TASK, "req-7", Json::object());

  frames[1] = std::string(1, static_cast<char>(200));
  EXPECT_EQ(decode_error(frames, &rid), ErrorCode::UNKNOWN_TYPE);
  EXPECT_EQ(rid, "req-7");

  frames = frames_of(MsgType::GET_TASK, "req-8", Json::object());
  frames[0] = "ORION/2";
  EXPECT_EQ(decode_error(frames, &rid), ErrorCode::UNSUPPORTED_VERSION);
  EXPECT_EQ(rid, "req-8");

  frames = frames_of(MsgType::GET_TASK, "req-9", Json::object());
  frames[3] = "\xC1";
  EXPECT_EQ(decode_error(frames, &rid), ErrorCode::MALFORMED);
  EXPECT_EQ(rid, "req-9");

  frames.resize(3);
  EXPECT_EQ(decode_error(frames, &rid), ErrorCode::MALFORMED);
  EXPECT_EQ(rid, "req-9") << "three frames still carry a readable request id";
}

TEST(Envelope, LeavesTheRequestIdEmptyWhenFrameTwoIsUnreadable) {
  std::string rid = "left over from the last message";
  auto frames = frames_of(MsgType::GET_TASK, std::string(65, 'r'), Json::object());
  EXPECT_EQ(decode_error(frames, &rid), ErrorCode::TOO_LARGE);
  EXPECT_EQ(rid, "");

  rid = "left over";
  frames.resize(2);
  EXPECT_EQ(decode_error(frames, &rid), ErrorCode::MALFORMED);
  EXPECT_EQ(rid, "");
}

TEST(Envelope, ErrorRepliesCarryTheCodeAndMessageAndReadBack) {
  auto e = error_envelope("req-1", make_error(ErrorCode::NOT_FOUND, "task T9 does not exist"));
  EXPECT_EQ(e.type, MsgType::ERROR);
  EXPECT_EQ(e.request_id, "req-1");
  auto back = decode_frames(encode_frames(e));
  ASSERT_TRUE(back);
  Error err = error_from_body(back->body);
  EXPECT_EQ(err.code, ErrorCode::NOT_FOUND);
  EXPECT_EQ(err.message, "task T9 does not exist");
}

TEST(Envelope, ReadsAnErrorBodyWithoutACodeAsMalformedAndAnUnknownCodeAsUnknown) {
  EXPECT_EQ(error_from_body(Json::object()).code, ErrorCode::MALFORMED);
  EXPECT_EQ(error_from_body(Json{{"code", "NOT_FOUND"}}).code, ErrorCode::MALFORMED);
  EXPECT_EQ(error_from_body(Json::array()).code, ErrorCode::MALFORMED);
  EXPECT_EQ(error_from_body(Json{{"code", 99}}).code, ErrorCode::UNKNOWN);
  EXPECT_EQ(error_from_body(Json{{"code", -1}}).code, ErrorCode::UNKNOWN);
  Error no_message = error_from_body(Json{{"code", 5}, {"message", 5}});
  EXPECT_EQ(no_message.code, ErrorCode::UNAVAILABLE);
  EXPECT_EQ(no_message.message, "");
}

// ---- Fuzz --------------------------------------------------------------------------------------

// Parses a decoded body as the message its type names, so that the field readers see the same
// garbage the codec let through.
void parse_as(MsgType type, const Json& body) {
  switch (type) {
    case MsgType::ERROR: (void)error_from_body(body); break;
    case MsgType::REGISTER: (void)Register::from_body(body); break;
    case MsgType::REGISTER_OK: (void)RegisterOk::from_body(body); break;
    case MsgType::HEARTBEAT: (void)Heartbeat::from_body(body); break;
    case MsgType::DEREGISTER: (void)Deregister::from_body(body); break;
    case MsgType::AGENT_LIST: (void)AgentList::from_body(body); break;
    case MsgType::DISCOVERY: (void)Discovery::from_body(body); break;
    case MsgType::ANNOUNCE: (void)Announce::from_body(body); break;
    case MsgType::SUBMIT: (void)SubmitTask::from_body(body); break;
    case MsgType::SUBMIT_OK: (void)SubmitOk::from_body(body); break;
    case MsgType::GET_TASK: (void)GetTask::from_body(body); break;
    case MsgType::TASK_INFO: (void)TaskInfo::from_body(body); break;
    case MsgType::WAIT_TASK: (void)WaitTask::from_body(body); break;
    case MsgType::ATTACH: (void)Attach::from_body(body); break;
    case MsgType::ATTACH_OK: (void)AttachOk::from_body(body); break;
    case MsgType::AGENT_HEARTBEAT: (void)AgentHeartbeat::from_body(body); break;
    case MsgType::ASSIGN: (void)Assign::from_body(body); break;
    case MsgType::TASK_PROGRESS: (void)TaskProgress::from_body(body); break;
    case MsgType::TASK_RESULT: (void)TaskResult::from_body(body); break;
    case MsgType::RESULT_OK: (void)ResultOk::from_body(body); break;
    case MsgType::CANCEL_TASK: (void)CancelTask::from_body(body); break;
    case MsgType::DETACH: (void)Detach::from_body(body); break;
    case MsgType::EVENT: (void)Event::from_body(body); break;
    default: break;
  }
}

struct Seed {
  MsgType type;
  std::string body;
};

std::vector<Seed> valid_bodies() {
  TaskSpec spec;
  spec.name = "resize \xE2\x9C\x93";
  spec.type = "image.resize";
  spec.capabilities = {"gpu", "ssd"};
  spec.priority = Priority::URGENT;
  spec.timeout_ms = 60'000;
  spec.input = {{"w", 640}, {"h", -480}, {"scale", 0.5}, {"raw", Json::binary({1, 2, 3})}, {"tags", {"a", "b"}}};
  spec.metadata = {{"owner", "ops"}};
  TaskView view;
  view.task_id = "T42";
  view.spec = spec;
  view.state = TaskState::RUNNING;
  view.attempt = 2;
  view.progress = 12.5;
  AgentSpec agent{"agent-1", {"gpu"}, 4, 2.5, {{"zone", "a"}}, "0.1.0", ""};
  AgentView agent_view{agent, "UP", 3, 1'700'000'000'000, 1'700'000'000'500};
  Assign assign;
  assign.task_id = "T42";
  assign.attempt = 3;
  assign.type = "image.resize";
  assign.input = spec.input;
  assign.timeout_ms = 1000;
  TaskResult result;
  result.task_id = "T42";
  result.attempt = 3;
  result.output = {{"bytes", 123456789012LL}};
  Event event;
  event.topic = "task.completed";
  event.publisher = "scheduler";
  event.seq = 99;
  event.ts_ms = 1'700'000'000'000;
  event.data = {{"task_id", "T42"}};
  return {
      {MsgType::SUBMIT, encode_value(SubmitTask{spec}.to_body())},
      {MsgType::TASK_INFO, encode_value(TaskInfo{view}.to_body())},
      {MsgType::REGISTER, encode_value(Register{agent}.to_body())},
      {MsgType::AGENT_LIST, encode_value(AgentList{{agent_view, agent_view}}.to_body())},
      {MsgType::ASSIGN, encode_value(assign.to_body())},
      {MsgType::TASK_RESULT, encode_value(result.to_body())},
      {MsgType::AGENT_HEARTBEAT, encode_value(AgentHeartbeat{"agent-1", {{"T1", 1}, {"T2", 7}}}.to_body())},
      {MsgType::EVENT, encode_value(event.to_body())},
      {MsgType::ERROR, encode_value(error_envelope("r", make_error(ErrorCode::NOT_LEADER, "ask n2")).body)},
  };
}

// Runs one input through decode_value and decode_frames (and, when the body decodes, through
// the message's from_body). Returns "" when every outcome was a value or a coded error, or a
// description of what went wrong.
std::string check_one(const std::string& body, MsgType type, const std::vector<std::string>* raw_frames) {
  try {
    auto v = decode_value(body.data(), body.size());
    if (!v && v.error().code == ErrorCode::UNKNOWN) return "decode_value gave an UNKNOWN error";
    std::string rid;
    auto e = decode_frames(std::vector<std::string>{std::string(kProtocol), std::string(1, static_cast<char>(type)),
                                                    "fuzz", body},
                           &rid);
    if (!e && e.error().code == ErrorCode::UNKNOWN) return "decode_frames gave an UNKNOWN error";
    if (rid != "fuzz") return "request id not recovered";
    // The frames decode exactly when the body alone decodes to a map.
    if (e.ok() != (v.ok() && v->is_object())) return "decode_frames and decode_value disagree";
    if (!v && e.error().code != v.error().code) return "decode_frames changed the codec's error code";
    if (e) parse_as(e->type, e->body);
    if (raw_frames) {
      auto r = decode_frames(*raw_frames, &rid);
      if (!r && r.error().code == ErrorCode::UNKNOWN) return "decode_frames of raw frames gave an UNKNOWN error";
      if (r) parse_as(r->type, r->body);
    }
    return "";
  } catch (const std::exception& ex) {
    return std::string("exception escaped: ") + ex.what();
  } catch (...) {
    return "unknown exception escaped";
  }
}

std::string hex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// Plain modulo over mt19937_64, whose output the standard fixes, so the run is the same on
// every standard library (std::uniform_int_distribution is not).
struct Rng {
  std::mt19937_64 engine;
  explicit Rng(std::uint64_t seed) : engine(seed) {}
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(engine() % n); }
  char byte() { return static_cast<char>(engine() & 0xFF); }
};

// Bytes that start containers, strings, ext types and big numbers: a mutation that writes one
// of them reaches the codec's bounds far more often than a random byte.
constexpr unsigned char kInteresting[] = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC4, 0xC7,
                                          0xCB, 0xCF, 0xD4, 0xD8, 0xD9, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xFF};

std::string mutate(std::string s, Rng& rng) {
  std::size_t n = 1 + rng.below(4);
  for (std::size_t i = 0; i < n; ++i) {
    switch (rng.below(5)) {
      case 0:  // flip one bit
        if (!s.empty()) s[rng.below(s.size())] ^= static_cast<char>(1u << rng.below(8));
        break;
      case 1:  // truncate
        s.resize(rng.below(s.size() + 1));
        break;
      case 2: {  // insert 1..8 random bytes
        std::string ins;
        for (std::size_t k = 0, m = 1 + rng.below(8); k < m; ++k) ins.push_back(rng.byte());
        s.insert(rng.below(s.size() + 1), ins);
        break;
      }
      case 3:  // overwrite with a byte that starts something
        if (!s.empty()) s[rng.below(s.size())] = static_cast<char>(kInteresting[rng.below(sizeof kInteresting)]);
        break;
      case 4: {  // duplicate a slice
        if (s.empty()) break;
        std::size_t from = rng.below(s.size());
        std::size_t len = 1 + rng.below(std::min<std::size_t>(16, s.size() - from));
        s.insert(rng.below(s.size() + 1), s.substr(from, len));
        break;
      }
    }
  }
  return s;
}

TEST(EnvelopeFuzz, TwentyThousandRandomByteStringsDecodeToAValueOrACodedError) {
  Rng rng(0x0710'0001);
  const std::vector<MsgType> types = {MsgType::SUBMIT, MsgType::ASSIGN, MsgType::TASK_RESULT, MsgType::EVENT,
                                      MsgType::REGISTER, MsgType::AGENT_HEARTBEAT, MsgType::TASK_INFO};
  int values = 0;
  for (int i = 0; i < 20'000; ++i) {
    std::string s;
    for (std::size_t k = 0, n = rng.below(48); k < n; ++k) s.push_back(rng.byte());
    // Every fourth input is also cut into 0..6 frames, sometimes behind a valid protocol frame.
    std::vector<std::string> raw;
    bool with_raw = i % 4 == 0;
    if (with_raw) {
      std::size_t frames = rng.below(7);
      if (rng.below(2) == 0) raw.emplace_back(kProtocol);
      std::size_t at = 0;
      for (std::size_t f = 0; f < frames; ++f) {
        std::size_t len = f + 1 == frames ? s.size() - at : rng.below(s.size() - at + 1);
        raw.push_back(s.substr(at, len));
        at += len;
      }
    }
    std::string failure = check_one(s, types[rng.below(types.size())], with_raw ? &raw : nullptr);
    ASSERT_EQ(failure, "") << "input " << i << ": " << hex(s);
    if (decode_value(s.data(), s.size())) ++values;
  }
  EXPECT_GT(values, 0) << "some random inputs are valid msgpack (a positive fixint, for one)";
}

TEST(EnvelopeFuzz, TwentyThousandMutationsOfValidBodiesDecodeToAValueOrACodedError) {
  Rng rng(0x0710'0002);
  auto seeds = valid_bodies();
  int values = 0;
  for (int i = 0; i < 20'000; ++i) {
    const Seed& seed = seeds[rng.below(seeds.size())];
    std::string s = mutate(seed.body, rng);
    std::string failure = check_one(s, seed.type, nullptr);
    ASSERT_EQ(failure, "") << "mutation " << i << " of a " << to_string(seed.type) << " body: " << hex(s);
    if (decode_value(s.data(), s.size())) ++values;
  }
  // A bit flip inside a string leaves a valid body: the run reached the field readers too.
  EXPECT_GT(values, 1000);
}

}  // namespace
}  // namespace orion
