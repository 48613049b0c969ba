// Configuration: every flag has an ORION_* environment variable that sets its default, so
// flags, environment (docker-compose) and defaults say the same things.
//
//   cxxopts::Options opts("orion-scheduler", "...");
//   add_option(opts, "bind-client", "ORION_BIND_CLIENT", "tcp://127.0.0.1:7200", "client API");
//   auto args = parse_or_exit(opts, argc, argv);      // prints --help and exits when asked
//   std::string ep = args["bind-client"].as<std::string>();
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <cxxopts.hpp>

#include "common/status.h"

namespace orion {

// The version of Orion this binary is (the project's version in CMakeLists.txt).
const char* orion_version();

// The environment variable's value, or `fallback` when it is unset or empty.
std::string env_or(const char* name, const std::string& fallback);

// A string option whose default comes from `env` (when set) or `fallback`.
void add_option(cxxopts::Options& options, const std::string& name, const char* env, const std::string& fallback,
                const std::string& help);

// The options every service has: --version, --log-level, --log-format, --data-dir, --ready-file, --curve-key,
// --curve-server-key, --policy (service_security.h), --help.
void add_common_options(cxxopts::Options& options, const std::string& default_data_dir);

// Parses; on --help prints help and on --version the version, and exits 0; on a bad flag
// prints the error and exits 2.
cxxopts::ParseResult parse_or_exit(cxxopts::Options& options, int argc, char** argv);

// Flag values read and range-checked in one place; each error is INVALID_ARGUMENT naming the flag.
//
//   auto n = parse_int("liveness", args["liveness"].as<std::string>(), 1, 1000);
//   if (!n) return n.error();     // "--liveness: 'x' is not an integer in [1, 1000]"

// A whole decimal integer within [lo, hi].
Result<std::int64_t> parse_int(const std::string& flag, const std::string& text, std::int64_t lo, std::int64_t hi);
// A whole decimal number (fractions allowed) within [lo, hi].
Result<double> parse_number(const std::string& flag, const std::string& text, double lo, double hi);

// A duration: a whole or decimal number followed by a unit, ms, s, m, h or d ("500ms", "60s",
// "1.5h", "7d"); a bare number is seconds. Within [lo_ms, hi_ms] milliseconds, rounded to the
// nearest millisecond.
//
//   auto r = parse_duration_ms("retention", "7d", 1'000, 3'650LL * 86'400'000);  // 604800000
Result<std::int64_t> parse_duration_ms(const std::string& flag, const std::string& text, std::int64_t lo_ms,
                                       std::int64_t hi_ms);

// Registries a process talks to, at most this many (each one costs sockets and announcements).
inline constexpr std::size_t kMaxRegistries = 16;
// A comma-separated list of endpoints ("tcp://a:7100,tcp://b:7100"), blanks around items
// ignored, duplicates dropped, order kept. Refused, with the fix, when empty, when an item is not
// tcp://HOST:PORT, ipc://PATH or inproc://NAME ("127.0.0.1:7100": "has no scheme: write
// tcp://127.0.0.1:7100"), or past kMaxRegistries items.
Result<std::vector<std::string>> parse_endpoint_list(const std::string& flag, const std::string& text);
// The list back in its flag form, for start-up lines.
std::string join_endpoints(const std::vector<std::string>& endpoints);
// For a peer that talks to one registry of a list at a time (SDK clients, agents): the one to
// use now is the first of the list in flag form; after it failed to answer, the list turned by
// one puts the next first. A single endpoint is its own first and turns into itself.
std::string first_endpoint(const std::string& list);
std::string turn_endpoints(const std::string& list);

// Writes `json_text` to `path` atomically (write then rename); true when path is empty.
// Tests and scripts wait for this file to learn the endpoints a service bound, so a failure
// must be reported (the caller exits) rather than leave them waiting.
bool write_ready_file(const std::string& path, const std::string& json_text);

}  // namespace orion
