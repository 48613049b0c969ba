#include "services/dashboard/api_answer.h"

namespace orion::dashboard {

ApiAnswer api_json(const Json& body, int status) {
  return ApiAnswer{status, "application/json", body.dump(-1, ' ', false, Json::error_handler_t::replace)};
}

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::INVALID_ARGUMENT:
    case ErrorCode::MALFORMED:
    case ErrorCode::TOO_LARGE: return 400;
    case ErrorCode::PERMISSION_DENIED: return 403;
    case ErrorCode::NOT_FOUND: return 404;
    case ErrorCode::FAILED_PRECONDITION:
    case ErrorCode::ALREADY_EXISTS: return 409;
    case ErrorCode::UNAVAILABLE:
    case ErrorCode::NOT_LEADER:
    case ErrorCode::DEADLINE_EXCEEDED: return 503;
    default: return 500;
  }
}

ApiAnswer api_error(ErrorCode code, const std::string& message) {
  return api_json(Json{{"code", std::string(to_string(code))}, {"message", message}}, http_status(code));
}

ApiAnswer api_error(const Error& e) { return api_error(e.code, e.message); }

namespace {

// Equal in time independent of where they differ (a token compared byte by byte leaks its
// prefix through timing).
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// "http://HOST[:PORT]" -> "HOST[:PORT]"; "" when not http(s).
std::string origin_host(const std::string& origin) {
  for (const char* scheme : {"http://", "https://"}) {
    const std::string s(scheme);
    if (origin.rfind(s, 0) == 0) return origin.substr(s.size());
  }
  return "";
}

}  // namespace

std::optional<ApiAnswer> refuse_action(const ActionHeaders& h, const ActionGuard& guard) {
  if (h.x_orion_action != "1") {
    return api_error(ErrorCode::PERMISSION_DENIED, "an action needs the header X-Orion-Action: 1");
  }
  if (!h.origin.empty() && origin_host(h.origin) != h.host) {
    return api_error(ErrorCode::PERMISSION_DENIED, "an action from another origin is refused");
  }
  if (guard.token.empty()) {
    if (!guard.loopback) {
      return api_error(ErrorCode::PERMISSION_DENIED,
                       "actions need --action-token when the dashboard listens beyond loopback");
    }
    return std::nullopt;
  }
  if (!same_secret(h.authorization, "Bearer " + guard.token)) {
    ApiAnswer a = api_error(ErrorCode::PERMISSION_DENIED, "an action needs Authorization: Bearer <the action token>");
    a.status = 401;
    return a;
  }
  return std::nullopt;
}

}  // namespace orion::dashboard
