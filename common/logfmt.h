// One logfmt value (common/log.h writes every log line as key=value fields): as it is when it
// needs no quotes, else quoted with \" \\ \n \r \t escapes.
//
//   spdlog::warn("event=peer_error peer={} error={}", peer, logfmt_value(err.message));
//
// Here rather than in log.h so that every layer (transport, the SDKs) can write safe values
// without linking the logging set-up.
#pragma once

#include <string>
#include <string_view>

namespace orion {

// True for a byte that may stand in a value without quotes.
inline bool logfmt_bare(char c) {
  return static_cast<unsigned char>(c) > ' ' && c != '"' && c != '=' && c != '\\' && c != 0x7f;
}

std::string logfmt_value(std::string_view value);

}  // namespace orion
