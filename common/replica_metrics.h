// The metrics both replicated services show about their log (their /metrics pages): the Raft
// role as a gauge per role name (1 for the one it has), the term, and the commit and applied
// indexes; a single replica shows role "single" and no indexes, and its group commit's
// transactions, their latency and how many loop turns each merged.
//
//   write_replica_metrics(m, "leader", role.term, &raft->progress());
//   write_commit_metrics(m, *group_commit);
#pragma once

#include <cstdint>
#include <string_view>

#include "common/command_log.h"
#include "common/group_commit.h"
#include "common/metrics_text.h"

namespace orion {

void write_replica_metrics(MetricsText& m, std::string_view role, std::uint64_t term, const LogProgress* progress);
void write_commit_metrics(MetricsText& m, const GroupCommit& commit);

}  // namespace orion
