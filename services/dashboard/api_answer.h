// The dashboard's HTTP API in plain values: a request as the loop thread sees it, the answer
// it gives, errors as JSON {code, message} with the HTTP status each code maps to, and the
// checks an operator action (a POST) passes before it is even queued.
//
//   ApiAnswer a = api_error(ErrorCode::NOT_FOUND, "no task t9");   // 404 {"code":"NOT_FOUND",...}
//   if (auto refused = refuse_action(headers, guard)) return *refused;
#pragma once

#include <optional>
#include <string>

#include "common/codec.h"
#include "common/status.h"

namespace orion::dashboard {

struct ApiRequest {
  std::string method;  // "GET" or "POST"
  std::string path;    // "/api/tasks/t1"
  std::string query;   // raw, "" when none
};

struct ApiAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

ApiAnswer api_json(const Json& body, int status = 200);
// 400 INVALID_ARGUMENT/MALFORMED/TOO_LARGE, 401 (a missing or wrong token, see refuse_action),
// 403 PERMISSION_DENIED, 404 NOT_FOUND, 409 FAILED_PRECONDITION/ALREADY_EXISTS,
// 503 UNAVAILABLE/NOT_LEADER/DEADLINE_EXCEEDED, 500 otherwise.
int http_status(ErrorCode code);
ApiAnswer api_error(ErrorCode code, const std::string& message);
ApiAnswer api_error(const Error& e);

// What the HTTP side requires of an action: the header X-Orion-Action: 1 (a page of another
// origin cannot send it without the browser asking first, and the dashboard answers no CORS
// preflight), an Origin, when the browser sends one, naming this host, and, when a token is
// configured, Authorization: Bearer <token>. Without a token the dashboard acts only when it
// listens on loopback.
struct ActionGuard {
  std::string token;      // "" = none configured
  bool loopback = true;   // the HTTP listener is bound to a loopback address
};
struct ActionHeaders {
  std::string x_orion_action;
  std::string origin;         // "" when absent
  std::string host;           // the Host header
  std::string authorization;  // "" when absent
};
// The refusal, or nullopt when the action may go ahead.
std::optional<ApiAnswer> refuse_action(const ActionHeaders& h, const ActionGuard& guard);

}  // namespace orion::dashboard
