// orion-scheduler on 3 Raft replicas as real processes, for integration tests and the
// benchmark: each replica on ports the OS chose (client and agent), Raft on a port that was
// free a moment before, its data in the cluster's temp dir. A replica can be killed, paused
// and started again with the same data.
//
//   Cluster c;  c.start_registry();
//   SchedulerReplicas s(c, 3);
//   auto leader = s.wait_leader(5'000);      // the replica that serves, once one does
//   s.kill9(*leader);  s.start(*leader);
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/consensus_messages.h"
#include "tests/integration/cluster.h"

namespace orion::testing {

// A TCP port that was free a moment ago (Raft peers must know each other's before any starts).
int free_port();

// One request on a fresh DEALER to `endpoint`: its answer, or UNAVAILABLE after timeout_ms.
Result<Envelope> ask(const std::string& endpoint, const Envelope& request, std::int64_t timeout_ms);

class SchedulerReplicas {
 public:
  SchedulerReplicas(Cluster& cluster, int n, std::vector<std::string> extra_args = {});
  ~SchedulerReplicas();

  // Starts (or starts again, keeping its data) replica id (1..n); waits for its ready file.
  void start(int id);
  // Starts a new replica `id` (> n) with --join, to be added by the leader; returns its Raft
  // address for CHANGE_REPLICAS. start(id) starts it again later, still joining.
  std::string start_joining(int id);
  void kill9(int id);
  Process& process(int id) { return *procs_.at(id); }
  bool running(int id) { return procs_.count(id) && procs_.at(id) && procs_.at(id)->running(); }
  // The client endpoint of the replica's current process (read from its ready file).
  std::string client(int id) const { return clients_.at(id); }

  // GET_REPLICA on one replica; nullopt when it does not answer within timeout_ms.
  std::optional<ReplicaInfo> info(int id, bool digest = false, std::int64_t timeout_ms = 300);
  // The replica that serves as leader (REPLICA_INFO role "leader"), once one does.
  std::optional<int> wait_leader(std::int64_t timeout_ms, int not_this = 0);
  // request to whichever replica leads, again (same request id) after NOT_LEADER or UNAVAILABLE,
  // until timeout_ms: an election under load between wait_leader and the request is not a failure.
  Result<Envelope> ask_leader(const Envelope& request, std::int64_t timeout_ms);
  std::string logs() const;
  int size() const { return n_; }

 private:
  Cluster& cluster_;
  int n_;
  std::vector<std::string> extra_;
  std::string peers_;
  std::map<int, std::unique_ptr<Process>> procs_;
  std::map<int, std::string> clients_;
  std::map<int, int> starts_;
  std::map<int, std::pair<int, int>> ports_;  // client, agent
  std::map<int, std::string> joining_;        // id -> Raft address, for replicas added later
};

}  // namespace orion::testing
