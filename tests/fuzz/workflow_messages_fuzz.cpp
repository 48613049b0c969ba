// libFuzzer target: every from_body of common/workflow_messages.h, stats_messages.h and
// cluster_messages.h.
#include "common/cluster_messages.h"
#include "common/stats_messages.h"
#include "common/workflow_messages.h"
#include "tests/fuzz/fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace orion;
  fuzz::from_body_all<WorkflowRun, WorkflowRunOk, GetWorkflow, WorkflowInfo, CancelWorkflow, CancelWorkflowOk,
                      RetryWorkflow, RetryWorkflowOk, SchedulerStatsOk, ProposalStatsOk, ClusterInfo>(data, size);
  return 0;
}
