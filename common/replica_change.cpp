#include "common/replica_change.h"

namespace orion {

MembershipChange membership_change(const ChangeReplicas& request, std::uint64_t seq) {
  MembershipChange c;
  c.kind = request.op == "add" ? MembershipChange::ADD : MembershipChange::REMOVE;
  c.id = static_cast<std::uint64_t>(request.id);
  c.address = request.address;
  c.seq = seq;
  return c;
}

Envelope change_replicas_answer(const std::string& request_id, const ChangeReplicas& request, const LogItem& done) {
  if (!done.error.message.empty()) return error_envelope(request_id, done.error);
  return Envelope{MsgType::CHANGE_REPLICAS_OK, request_id, request.to_body()};
}

}  // namespace orion
