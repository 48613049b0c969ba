// orion-consensus's HTTP endpoint (common/http_endpoint.h), answered on its loop: /metrics in
// the Prometheus text format (docs/metrics.md lists every family) and /healthz. Proposals held,
// by type and outcome, are read from the replicated state every replica holds; decisions and
// latencies count what this replica applied (ConsensusCore::metrics).
#include "common/process_metrics.h"
#include "common/replica_metrics.h"
#include "services/consensus/consensus_service.h"
#include "services/consensus/proposal_stats.h"

namespace orion::consensus {

HttpAnswer ConsensusService::http(const HttpRequest& r) const {
  if (r.path == "/healthz") {
    const bool ok = !commit_ || !commit_->failed();
    return HttpAnswer{ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "the log failed\n"};
  }
  if (r.path != "/metrics") return http_not_found(r);
  MetricsText m;
  // Type names and outcomes are closed sets: the series are bounded.
  const ProposalStatsOk held = proposal_stats(core_);
  m.family("orion_consensus_proposals", "gauge", "Proposals the cluster holds, by consensus type and outcome.");
  for (const auto& [type, by_outcome] : held.by_type) {
    for (const auto& [outcome, n] : by_outcome) {
      m.sample("orion_consensus_proposals", {{"type", type}, {"outcome", outcome}}, static_cast<double>(n));
    }
  }
  const auto& applied = core_.metrics();
  m.family("orion_consensus_proposals_decided_total", "counter", "Decisions this replica applied, by outcome.");
  for (Outcome o : {Outcome::APPROVED, Outcome::REJECTED, Outcome::EXPIRED}) {
    m.sample("orion_consensus_proposals_decided_total", {{"outcome", to_string(o)}},
             static_cast<double>(applied.decided_by_outcome[static_cast<std::size_t>(o)]));
  }
  m.family("orion_consensus_vote_seconds", "histogram", "Time from a proposal's creation to each of its votes, as applied.");
  m.histogram("orion_consensus_vote_seconds", {}, applied.vote_seconds.snapshot());
  m.family("orion_consensus_decision_seconds", "histogram", "Time from a proposal's creation to its decision.");
  m.histogram("orion_consensus_decision_seconds", {}, applied.decision_seconds.snapshot());
  m.family("orion_consensus_votes_refused_total", "counter", "Votes this replica refused before the log (bad signature, not a voter).");
  m.sample("orion_consensus_votes_refused_total", static_cast<double>(refused_votes_));
  if (commit_) write_commit_metrics(m, *commit_);
  std::string role = to_string(role_.role);
  if (role_.role == Role::LEADER && !ready_) role = "candidate";
  const LogProgress p = log_->progress();
  write_replica_metrics(m, role, role_.term, config_.replicated() ? &p : nullptr);
  m.family("orion_events_published_total", "counter", "Events this process numbered and handed to the event buses.");
  m.sample("orion_events_published_total", static_cast<double>(registry_link_.published()));
  m.family("orion_send_failures_total", "counter", "Messages this process could not hand to a socket (peer gone or full).");
  m.sample("orion_send_failures_total", static_cast<double>(send_failures_));
  write_process_metrics(m);
  return HttpAnswer{200, "text/plain; version=0.0.4; charset=utf-8", m.text()};
}

}  // namespace orion::consensus
