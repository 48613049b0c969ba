// A throwaway Orion stack for one benchmark group: orion-registry, orion-scheduler and N
// orion-example-agent processes on loopback, each bound to ports the OS chose (read back from
// ready files), with all data in a fresh temp dir. Every process is stopped by PID when the
// Stack dies (also when a benchmark throws), and killed by the SIGINT/SIGTERM handler of
// orion-bench (see kill_tracked_children).
//
//   StackConfig cfg; cfg.agents = 1;
//   Stack stack("roundtrip", cfg);            // throws std::runtime_error with logs on failure
//   orion::sdk::Client client(stack.client_options());
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sdk/cpp/client.h"
#include "tests/integration/process.h"

namespace orion::bench {

// Directory holding orion-registry, orion-scheduler and orion-example-agent: the directory of
// the running orion-bench executable, else the build's bin dir.
std::string bin_dir();

// Child PIDs that the signal handler kills. Async-signal-safe: a fixed array of atomics.
void track_child(pid_t pid);
void untrack_child(pid_t pid);
void kill_tracked_children();  // SIGKILL to every tracked PID; safe inside a signal handler

// A process started with orion::testing::Process, tracked for the signal handler, stopped by
// PID when destroyed.
class Child {
 public:
  Child(const std::string& path, const std::vector<std::string>& args, const std::string& log_path);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  testing::Process& process() { return *process_; }
  pid_t pid() const { return pid_; }

 private:
  std::unique_ptr<testing::Process> process_;
  pid_t pid_ = -1;
};

// orion-registry (the event bus too) started in `dir` on ports the OS chose, with its endpoints
// read back from its ready file. Throws std::runtime_error, with its log, when it does not start.
struct StartedRegistry {
  std::unique_ptr<Child> child;
  std::string endpoint, events_sub;
};
StartedRegistry start_registry(const testing::TempDir& dir);

struct StackConfig {
  int agents = 0;
  int agent_capacity = 4;
  std::vector<std::string> agent_caps{"echo"};
};

class Stack {
 public:
  Stack(const std::string& name, const StackConfig& config);
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  sdk::ClientOptions client_options() const;
  pid_t scheduler_pid() const { return scheduler_ ? scheduler_->pid() : -1; }
  // Tails of every process log, for an error message.
  std::string logs() const;

 private:
  void wait_agents_up(std::size_t n, std::int64_t timeout_ms);

  testing::TempDir dir_;  // declared first: removed after every process has stopped
  std::string registry_endpoint_;
  std::unique_ptr<Child> registry_, scheduler_;
  std::vector<std::unique_ptr<Child>> agents_;
};

// Resident set size of a process in MiB (VmRSS of /proc/PID/status), or -1.
double rss_mib(pid_t pid);

// True when `orion-scheduler --help` lists the flag (e.g. "unschedulable-timeout").
bool scheduler_has_flag(const std::string& flag);

}  // namespace orion::bench
