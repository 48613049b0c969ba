// The Orion envelope: every command, reply and event is these frames (after any ROUTER
// identity, and after the topic frame on the event bus):
//
//   frame 0  protocol  "ORION/1"            protocol id and version, 7 bytes
//   frame 1  type      1 byte               MsgType
//   frame 2  request   0..64 bytes          client-chosen request id (echoed in the reply)
//   frame 3  body      msgpack map          named fields; unknown fields are ignored
//
//   Envelope e{MsgType::SUBMIT, "req-1", body};
//   auto frames = encode_frames(e);             // 4 strings
//   std::string rid;
//   auto back = decode_frames(frames, &rid);    // Result<Envelope>; rid set even on error
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/codec.h"
#include "common/messages.h"

namespace orion {

inline constexpr std::string_view kProtocolPrefix = "ORION/";
inline constexpr std::string_view kProtocol = "ORION/1";
inline constexpr std::size_t kMaxRequestIdBytes = 64;
inline constexpr std::size_t kEnvelopeFrames = 4;

struct Envelope {
  Envelope() = default;
  Envelope(MsgType t, std::string rid, Json b = Json::object())
      : type(t), request_id(std::move(rid)), body(std::move(b)) {}

  MsgType type = MsgType::UNKNOWN;
  std::string request_id;
  Json body = Json::object();
  // When set, the body as msgpack already (common/msg_writer.h), sent instead of `body`.
  std::string packed_body;
};

std::vector<std::string> encode_frames(const Envelope& envelope);

// Decodes exactly kEnvelopeFrames frames. On error *request_id (if given) holds the request
// id when frame 2 was readable, so the error reply can still be correlated.
template <class Frame>
Result<Envelope> decode_frames(const std::vector<Frame>& frames, std::string* request_id = nullptr,
                               const CodecLimits& limits = default_limits());

// Which message types a receiver decodes itself from the msgpack bytes (e.g. SUBMIT_BATCH with
// SubmitBatch::from_packed): their envelope keeps the body in `packed_body`, undecoded.
using KeepPacked = bool (*)(MsgType);

// The frame views decode_frames works on; Frame is std::string or zmq::message_t. With
// keep_packed, a body of a type it selects is not decoded (every other frame check still runs).
Result<Envelope> decode_frame_views(const std::vector<std::string_view>& frames, std::string* request_id,
                                    const CodecLimits& limits, KeepPacked keep_packed = nullptr);

template <class Frame>
Result<Envelope> decode_frames(const std::vector<Frame>& frames, std::string* request_id,
                               const CodecLimits& limits) {
  std::vector<std::string_view> views;
  views.reserve(frames.size());
  for (const auto& f : frames) views.emplace_back(static_cast<const char*>(f.data()), f.size());
  return decode_frame_views(views, request_id, limits);
}

// An envelope whose body is already msgpack (common/msg_writer.h).
inline Envelope packed_envelope(MsgType type, std::string request_id, std::string packed_body) {
  Envelope e{type, std::move(request_id)};
  e.packed_body = std::move(packed_body);
  return e;
}

// The body as a value: `body`, or `packed_body` decoded when that is set.
Json body_of(const Envelope& envelope);

// Body of an ERROR reply: {code: int, message: str}.
Envelope error_envelope(const std::string& request_id, const Error& error);
// Reads an ERROR body back into an Error (MALFORMED if the body is not one).
Error error_from_body(const Json& body);

}  // namespace orion
