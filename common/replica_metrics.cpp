#include "common/replica_metrics.h"

namespace orion {

void write_replica_metrics(MetricsText& m, std::string_view role, std::uint64_t term, const LogProgress* progress) {
  m.family("orion_raft_role", "gauge", "1 for this replica's current role (single, leader, candidate, follower, unavailable).");
  for (std::string_view r : {"single", "leader", "candidate", "follower", "unavailable"}) {
    m.sample("orion_raft_role", {{"role", r}}, r == role ? 1 : 0);
  }
  if (!progress) return;
  m.family("orion_raft_term", "gauge", "The Raft term this replica is in.");
  m.sample("orion_raft_term", static_cast<double>(term));
  m.family("orion_raft_commit_index", "gauge", "The highest log index this replica knows committed.");
  m.sample("orion_raft_commit_index", static_cast<double>(progress->commit_index));
  m.family("orion_raft_applied_index", "gauge", "The highest log index this replica has applied to its state.");
  m.sample("orion_raft_applied_index", static_cast<double>(progress->applied_index));
  m.family("orion_raft_last_index", "gauge", "The last index of this replica's log.");
  m.sample("orion_raft_last_index", static_cast<double>(progress->last_index));
}

void write_commit_metrics(MetricsText& m, const GroupCommit& c) {
  m.family("orion_log_commits_total", "counter", "Transactions (each one fsync) the log's writer committed.");
  m.sample("orion_log_commits_total", static_cast<double>(c.fsyncs()));
  m.family("orion_log_commit_seconds", "histogram", "Time to write and fsync one transaction of the log.");
  m.histogram("orion_log_commit_seconds", {}, c.commit_seconds().snapshot());
  m.family("orion_log_commit_turns", "histogram", "Loop turns merged into one transaction (group commit).");
  m.histogram("orion_log_commit_turns", {}, c.commit_batches().snapshot());
}

}  // namespace orion
