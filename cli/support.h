// What every orionctl subcommand shares: option parsing with the common flags, the exit-code
// contract (0 ok, 1 the request failed with one line on stderr, 2 a usage error), and how a
// task is shown (status, wait, list).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <cxxopts.hpp>

#include "common/messages.h"
#include "sdk/cpp/client.h"
#include "sdk/cpp/consensus_client.h"

namespace orion::cli {

// A bad flag or file: exit 2 with its message.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// JSON text for people and scripts; invalid UTF-8 from a peer is replaced, never an exception.
std::string text(const Json& j);

// One line on stderr; returns 1.
int fail(const std::string& what);
int fail(const Error& e);

// Options with --registry, --call-timeout, --json and --help already there.
cxxopts::Options base_options(const std::string& name, const std::string& help);
// Parses; prints help and returns false when asked; throws UsageError on bad flags.
bool parse(cxxopts::Options& o, int argc, char** argv, cxxopts::ParseResult& out);
// A client from --registry and --call-timeout. Without --call-timeout, a registry or service that
// gives no answer at all fails the command in about 2 s, saying so (FollowOptions::first_answer_ms).
sdk::Client make_client(const cxxopts::ParseResult& args);
consensus::ConsensusClientOptions consensus_options(const cxxopts::ParseResult& args);
// --call-timeout in ms; UsageError when not in (0, 86400] seconds.
std::int64_t call_timeout_ms(const cxxopts::ParseResult& args);
// A duration flag (declared as a string): "500ms", "30s", "5m", "1.5h", "7d", or a bare number of
// seconds (fractions allowed); UsageError naming the flag and the forms it takes for anything
// else ("5 minutes", "-1s", "5x") and outside [lo_ms, hi_ms].
inline constexpr std::int64_t kWeekMs = 7LL * 24 * 3600 * 1000;
std::int64_t duration_ms(const cxxopts::ParseResult& args, const char* flag, std::int64_t lo_ms, std::int64_t hi_ms);
Json parse_json_arg(const std::string& flag, const std::string& text);
std::string positional_id(const cxxopts::ParseResult& args, const char* what);
// A repeatable string flag's values (empty when absent).
std::vector<std::string> strings(const cxxopts::ParseResult& args, const char* flag);
// The task flags `submit` and `schedule create` share: --name, --type (the caller checks it is
// given), --cap, --priority, --timeout and --input.
TaskSpec task_spec_from_flags(const cxxopts::ParseResult& args);

// A LIST_TASKS page as `list --json` and `parked list --json` print it: {tasks, next}.
Json task_page_json(const TaskList& page);
// A task as `status --json` prints it (and each item of `list --json`).
Json view_json(const TaskView& v);
// `status` without --json: a few aligned lines, then the history.
void print_view(const TaskView& v, bool json);

// Runs a command body with the exit-code contract: UsageError -> 2, other exceptions -> 1.
template <class Fn>
int guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const UsageError& e) {
    fail(e.what());
    return 2;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace orion::cli
