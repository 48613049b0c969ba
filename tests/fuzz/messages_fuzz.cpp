// libFuzzer target: every from_body of common/messages.h (registry, scheduler, agent channel).
#include "common/messages.h"
#include "tests/fuzz/fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace orion;
  fuzz::from_body_all<Register, RegisterOk, Heartbeat, Deregister, AgentList, Discovery, Announce, SubmitBatchOk, Cancel,
                      CancelOk, Reprioritize, ReprioritizeOk, ListTasks, TaskList, SubmitTask, SubmitOk, GetTask, WaitTask,
                      WaitTasks, TaskInfo, Attach, AttachOk, AgentHeartbeat, DrainAgent, DrainAgentOk, AgentStatsOk,
                      Drain, Assign, TaskProgress, TaskResult, ResultOk, CancelTask, Detach, Event>(data, size);
  return 0;
}
