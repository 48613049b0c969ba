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
#include <optional>
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
StartedRegistry start_registry(const testing::TempDir& dir, const std::vector<std::string>& extra = {});

// orion-consensus replica `id` (1-based) started in `dir` (data in consensus-<id>/, log in
// consensus-<id>.log) with orion-registry at `registry`, its client endpoint on a port the OS
// chose, read back from its ready file. peers: the Raft peers ("1@host:port,..."), empty for one
// replica on SQLite; extra: more flags (e.g. {"--retention", "60s"}). Throws
// std::runtime_error, with its log, when it does not start.
struct StartedConsensus {
  std::unique_ptr<Child> child;
  std::string client;
};
StartedConsensus start_consensus(const testing::TempDir& dir, const std::string& registry, int id,
                                 const std::string& peers = "", const std::vector<std::string>& extra = {});

// Bytes of a SQLite store on disk: the database file plus its -wal (0 for a missing file).
std::int64_t sqlite_store_bytes(const std::string& db_path);

struct StackConfig {
  int agents = 0;
  int agent_capacity = 4;
  std::vector<std::string> agent_caps{"echo"};
  int scheduler_replicas = 1;  // 1: SQLite; 3 or 5: Raft replicas on loopback
  bool consensus = false;      // one orion-consensus (SQLite) too, started before the scheduler
  std::string retention{};     // --retention of the scheduler and orion-consensus; empty: theirs
  // CURVE on every socket: key pairs for the services, the agents and this process (the
  // client), and a policy admitting them, made in the stack's directory.
  bool curve = false;
  std::vector<std::string> scheduler_args{};  // more flags for every scheduler (e.g. --audit off)
  // --metrics-bind of every scheduler: on a port the OS picks, as a deployment has it on (its
  // default port could be taken by another stack); "off" for none.
  std::string metrics_bind = "127.0.0.1:0";
};

class Stack {
 public:
  Stack(const std::string& name, const StackConfig& config);
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  sdk::ClientOptions client_options() const;
  pid_t scheduler_pid() const { return schedulers_.empty() || !schedulers_[0] ? -1 : schedulers_[0]->pid(); }
  // The SQLite store of scheduler replica i (single-replica stacks: its only store).
  std::string scheduler_store(int i = 0) const;
  // StackConfig::consensus: its PID (-1 without), client endpoint and SQLite store.
  pid_t consensus_pid() const { return consensus_ ? consensus_->pid() : -1; }
  const std::string& consensus_client() const { return consensus_client_; }
  std::string consensus_store() const;

  // Replicated stacks: replica i (0-based) by PID; SIGKILL it; start it again with its data.
  // Replica i's client endpoint, as its last ready file gave it.
  const std::string& scheduler_client(int i) const { return scheduler_clients_.at(static_cast<std::size_t>(i)); }
  // Where replica i serves /metrics (http://127.0.0.1:PORT), "" when off.
  const std::string& scheduler_metrics(int i) const { return scheduler_metrics_.at(static_cast<std::size_t>(i)); }
  int scheduler_replicas() const { return static_cast<int>(schedulers_.size()); }
  void kill_scheduler(int i);
  // SIGTERM to replica i, then waits for it to exit (up to stop_timeout_ms, then SIGKILL).
  void stop_scheduler(int i, std::int64_t stop_timeout_ms = 60'000);
  // Starts it again with its data; returns once its ready file is written (throws after
  // ready_timeout_ms).
  void restart_scheduler(int i, std::int64_t ready_timeout_ms = 60'000);
  // The replica serving as leader (GET_REPLICA role "leader"), -1 when none answers so.
  int leader(std::int64_t timeout_ms) const;
  // GET_REPLICA of replica i: {role, commit_index, applied}, or nullopt when it does not answer.
  struct ReplicaState {
    std::string role;
    std::int64_t commit_index = 0, applied = 0, tasks = 0;
  };
  std::optional<ReplicaState> replica(int i, std::int64_t timeout_ms = 300) const;
  // Tails of every process log, for an error message.
  std::string logs() const;
  // Every process of the stack by role ("registry", "consensus", "scheduler", "agent"), for
  // CPU accounting (cpu_seconds).
  std::vector<std::pair<std::string, pid_t>> processes() const;

 private:
  void wait_agents_up(std::size_t n, std::int64_t timeout_ms);
  void start_scheduler(int i, std::int64_t ready_timeout_ms = 60'000);

  testing::TempDir dir_;  // declared first: removed after every process has stopped
  // StackConfig::curve: the flags each service and agent takes (empty without).
  std::vector<std::string> service_keys_, agent_keys_;
  bool curve_ = false;
  std::string registry_endpoint_;
  std::unique_ptr<Child> registry_;
  std::unique_ptr<Child> consensus_;
  std::string consensus_client_;
  std::vector<std::unique_ptr<Child>> schedulers_;
  std::vector<std::vector<std::string>> scheduler_args_;
  std::vector<std::string> scheduler_clients_;
  std::vector<std::string> scheduler_metrics_;
  std::vector<std::unique_ptr<Child>> agents_;
};

// Resident set size of a process in MiB (VmRSS of /proc/PID/status), or -1.
double rss_mib(pid_t pid);
// CPU time (user + system, every thread) a process has used so far, in seconds: fields 14 and
// 15 of /proc/PID/stat. On a shared machine this, not the wall time, is what a service cost.
double cpu_seconds(pid_t pid);

// True when `orion-scheduler --help` lists the flag (e.g. "unschedulable-timeout").
bool scheduler_has_flag(const std::string& flag);

}  // namespace orion::bench
