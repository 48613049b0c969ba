// orionctl's view of several registries: the --registry list (comma separated, env
// ORION_REGISTRY) and one request asked of every registry at once.
//
//   auto list = registry_list(args);                                // UsageError when malformed
//   for (auto& a : ask_every_registry(list, MsgType::DISCOVER, Json::object(), 1000))
//     if (a.answer) ... a.answer->body ...  else ... a.answer.error() (UNAVAILABLE: no answer) ...
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <cxxopts.hpp>

#include "common/envelope.h"

namespace orion::cli {

std::vector<std::string> registry_list(const cxxopts::ParseResult& args);

struct RegistryAnswer {
  std::string endpoint;
  Result<Envelope> answer = Error{ErrorCode::UNAVAILABLE, "not asked"};  // an ERROR reply comes back as its Error
};
// Sends the request to every registry, then waits up to timeout_ms in all for their answers:
// one slow or dead registry costs the timeout once, not once per registry. In list order.
std::vector<RegistryAnswer> ask_every_registry(const std::vector<std::string>& registries, MsgType type,
                                               const Json& body, std::int64_t timeout_ms);

}  // namespace orion::cli
