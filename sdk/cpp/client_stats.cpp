// The Client's statistics calls (SCHEDULER_STATS, PROPOSAL_STATS; common/stats_messages.h).
#include "sdk/cpp/client.h"
#include "sdk/cpp/consensus_client.h"

namespace orion::sdk {

namespace {
constexpr std::int64_t kProposalStatsCallMs = 3'000;  // consensus is optional: do not wait long for it
}  // namespace

Result<SchedulerStatsOk> Client::scheduler_stats(const std::string& ns) {
  return ask<SchedulerStatsOk>(MsgType::SCHEDULER_STATS, ns.empty() ? Json::object() : SchedulerStats{ns}.to_body());
}

Result<ProposalStatsOk> Client::proposal_stats() {
  auto d = discover();
  if (!d) return d.error();
  if (d->consensus.empty()) return make_error(ErrorCode::UNAVAILABLE, "the registry knows no consensus service");
  auto r = consensus().call(MsgType::PROPOSAL_STATS, Json::object(), kProposalStatsCallMs);
  if (!r) return r.error();
  return ProposalStatsOk::from_body(r->body);
}

}  // namespace orion::sdk
