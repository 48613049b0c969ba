// libFuzzer target: every from_body of common/consensus_messages.h, and the from_packed
// readers of the consensus hot path.
#include <string_view>

#include "common/consensus_messages.h"
#include "tests/fuzz/fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace orion;
  fuzz::from_body_all<Propose, ProposeOk, Vote, VoteOk, GetProposal, WaitProposal, ProposalInfo, LeaseRequest,
                      ReleaseLease, GetLease, LeaseInfo, ReplicaInfo, ChangeReplicas>(data, size);
  std::string_view packed(reinterpret_cast<const char*>(data), size);
  static_cast<void>(Propose::from_packed(packed));
  static_cast<void>(ProposeOk::from_packed(packed));
  static_cast<void>(Vote::from_packed(packed));
  static_cast<void>(VoteOk::from_packed(packed));
  return 0;
}
