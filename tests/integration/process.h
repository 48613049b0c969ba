// Real processes for integration tests. A Process is started with posix_spawn, its output
// goes to a log file, and it is always stopped by PID when the object dies (SIGTERM, then
// SIGKILL after a deadline), also when the test fails.
//
//   Process reg(bin("orion-registry"), {"--bind", "tcp://127.0.0.1:0", "--ready-file", f}, logdir);
//   auto ready = wait_for_json_file(f, 10'000);   // endpoints the process bound
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/wait_until.h"

namespace orion::testing {

// Path of a built executable (build/bin/NAME).
std::string bin(const std::string& name);

class Process {
 public:
  // stdout goes to log_path; stderr too, unless err_path is given.
  Process(const std::string& path, const std::vector<std::string>& args, const std::string& log_path,
          const std::string& err_path = "");
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Waits for the process to exit by itself: its exit code, or -2 if still running at the deadline.
  int wait_exit(std::int64_t timeout_ms);
  // SIGKILL now, and reap.
  void kill9();
  // SIGTERM, wait up to timeout_ms for exit, then SIGKILL. Returns the exit status (-1 if killed).
  int stop(std::int64_t timeout_ms = 5000);
  const std::string& log_path() const { return log_path_; }
  std::string log_tail(std::size_t bytes = 4000) const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

// Polls until the file exists and holds valid JSON, or the deadline passes (nullopt).
std::optional<nlohmann::json> wait_for_json_file(const std::string& path, std::int64_t timeout_ms);

// wait_until(pred, timeout_ms): tests/wait_until.h.

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};
// Runs a command to completion (killed after timeout_ms) and returns what it printed.
CommandResult run_command(const std::string& path, const std::vector<std::string>& args, const std::string& dir,
                          std::int64_t timeout_ms = 30'000);

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::int64_t now_ms();
void pause_ms(std::int64_t ms);  // a pace (a load generator's), never a wait for a race


}  // namespace orion::testing
