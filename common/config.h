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

#include <cxxopts.hpp>

#include "common/status.h"

namespace orion {

// The environment variable's value, or `fallback` when it is unset or empty.
std::string env_or(const char* name, const std::string& fallback);

// A string option whose default comes from `env` (when set) or `fallback`.
void add_option(cxxopts::Options& options, const std::string& name, const char* env, const std::string& fallback,
                const std::string& help);

// `text` as a whole decimal integer in [lo, hi]; INVALID_ARGUMENT naming --flag otherwise.
Result<std::int64_t> parse_int(const std::string& flag, const std::string& text, std::int64_t lo, std::int64_t hi);

// The options every service has: --log-level, --data-dir, --ready-file, --help.
void add_common_options(cxxopts::Options& options, const std::string& default_data_dir);

// Parses; on --help prints help and exits 0; on a bad flag prints the error and exits 2.
cxxopts::ParseResult parse_or_exit(cxxopts::Options& options, int argc, char** argv);

// Writes `json_text` to `path` atomically (write then rename); true when path is empty.
// Tests and scripts wait for this file to learn the endpoints a service bound, so a failure
// must be reported (the caller exits) rather than leave them waiting.
bool write_ready_file(const std::string& path, const std::string& json_text);

}  // namespace orion
