#include "common/envelope.h"

namespace orion {

Json body_of(const Envelope& envelope) {
  if (envelope.packed_body.empty()) return envelope.body;
  auto v = decode_value(envelope.packed_body.data(), envelope.packed_body.size());
  return v ? std::move(*v) : Json();
}

std::vector<std::string> encode_frames(const Envelope& envelope) {
  std::vector<std::string> frames;
  frames.reserve(kEnvelopeFrames);
  frames.emplace_back(kProtocol);
  frames.emplace_back(1, static_cast<char>(envelope.type));
  frames.push_back(envelope.request_id);
  frames.push_back(envelope.packed_body.empty() ? encode_value(envelope.body) : envelope.packed_body);
  return frames;
}

Result<Envelope> decode_frame_views(const std::vector<std::string_view>& frames, std::string* request_id,
                                    const CodecLimits& limits, KeepPacked keep_packed) {
  if (request_id) request_id->clear();
  if (frames.size() >= 3 && frames[2].size() <= kMaxRequestIdBytes && request_id) {
    request_id->assign(frames[2]);
  }
  if (frames.size() != kEnvelopeFrames) {
    return make_error(ErrorCode::MALFORMED, "expected " + std::to_string(kEnvelopeFrames) + " frames, got " +
                                                std::to_string(frames.size()));
  }
  std::string_view proto = frames[0];
  if (proto.substr(0, kProtocolPrefix.size()) != kProtocolPrefix) {
    return make_error(ErrorCode::MALFORMED, "frame 0 is not an Orion protocol frame");
  }
  if (proto != kProtocol) {
    // Echo at most 16 bytes of the peer's frame, printable ASCII only, so the reply stays valid text.
    std::string shown;
    for (char c : proto.substr(0, 16)) shown.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    return make_error(ErrorCode::UNSUPPORTED_VERSION,
                      "protocol '" + shown + "' is not supported; this peer speaks " + std::string(kProtocol));
  }
  if (frames[1].size() != 1) return make_error(ErrorCode::MALFORMED, "frame 1 (type) must be 1 byte");
  auto type = static_cast<MsgType>(static_cast<std::uint8_t>(frames[1][0]));
  if (!is_known(type)) {
    return make_error(ErrorCode::UNKNOWN_TYPE,
                      "unknown message type " + std::to_string(static_cast<unsigned>(type)));
  }
  if (frames[2].size() > kMaxRequestIdBytes) {
    return make_error(ErrorCode::TOO_LARGE, "request id longer than " + std::to_string(kMaxRequestIdBytes) + " bytes");
  }
  if (keep_packed && keep_packed(type)) return packed_envelope(type, std::string(frames[2]), std::string(frames[3]));
  auto body = decode_value(frames[3].data(), frames[3].size(), limits);
  if (!body) return body.error();
  if (!body->is_object()) return make_error(ErrorCode::MALFORMED, "body is not a msgpack map");
  return Envelope{type, std::string(frames[2]), std::move(*body)};
}

Envelope error_envelope(const std::string& request_id, const Error& error) {
  Json body = {{"code", static_cast<int>(error.code)}, {"message", error.message}};
  return Envelope{MsgType::ERROR, request_id, std::move(body)};
}

Error error_from_body(const Json& body) {
  if (!body.is_object() || !body.contains("code") || !body["code"].is_number_integer()) {
    return make_error(ErrorCode::MALFORMED, "error reply without a code");
  }
  // Read as int64 first: a huge value must not wrap into a valid code.
  auto raw = body["code"].get<std::int64_t>();
  int code = (raw < 0 || raw > static_cast<int>(ErrorCode::INTERNAL)) ? 0 : static_cast<int>(raw);
  std::string message = body.contains("message") && body["message"].is_string() ? body["message"].get<std::string>()
                                                                                 : std::string();
  return Error{static_cast<ErrorCode>(code), message};
}

}  // namespace orion
