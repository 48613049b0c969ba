// ConsensusGates (consensus_gates.h): the books of open gates, and their invariants.
#include "services/scheduler/consensus_gates.h"

#include <algorithm>

namespace orion::scheduler {

void ConsensusGates::hold(const std::string& gate_id, std::uint64_t seq, const std::string& proposal_id,
                          std::int64_t now_ms) {
  Gate& g = gates_[gate_id];
  g.seqs.push_back(seq);
  if (g.created_mono_ms == 0) g.created_mono_ms = now_ms;
  if (!proposal_id.empty() && g.proposal_id.empty()) {
    g.proposal_id = proposal_id;
    by_proposal_[proposal_id] = gate_id;
  }
}

bool ConsensusGates::holds_task(const std::string& gate_id, std::uint64_t seq) const {
  auto g = gates_.find(gate_id);
  return g != gates_.end() && std::find(g->second.seqs.begin(), g->second.seqs.end(), seq) != g->second.seqs.end();
}

std::string ConsensusGates::waiting(const std::string& gate_id) const {
  auto it = gates_.find(gate_id);
  return it == gates_.end() ? std::string() : it->second.waiting;
}

bool ConsensusGates::set_waiting(const std::string& gate_id, const std::string& why) {
  auto it = gates_.find(gate_id);
  if (it == gates_.end() || it->second.waiting == why) return false;
  it->second.waiting = why;
  return true;
}

const std::vector<std::uint64_t>* ConsensusGates::proposed(const std::string& gate_id, const std::string& proposal_id,
                                                           std::int64_t now_ms) {
  auto it = gates_.find(gate_id);
  if (it == gates_.end() || !it->second.proposal_id.empty()) return nullptr;
  Gate& g = it->second;
  g.proposal_id = proposal_id;
  g.next_ms = now_ms + kRetryMs;
  by_proposal_[proposal_id] = gate_id;
  return &g.seqs;
}

const std::string* ConsensusGates::hint(const std::string& proposal_id) {
  auto it = by_proposal_.find(proposal_id);
  if (it == by_proposal_.end()) return nullptr;
  auto g = gates_.find(it->second);
  if (g == gates_.end()) return nullptr;
  g->second.next_ms = 0;
  return &it->second;
}

std::optional<ConsensusGates::Gate> ConsensusGates::take(const std::string& gate_id) {
  auto it = gates_.find(gate_id);
  if (it == gates_.end()) return std::nullopt;
  Gate g = std::move(it->second);
  gates_.erase(it);
  if (!g.proposal_id.empty()) by_proposal_.erase(g.proposal_id);
  return g;
}

Status ConsensusGates::check_invariants() const {
  auto broken = [](const std::string& what) { return Status(make_error(ErrorCode::INTERNAL, what)); };
  std::size_t proposed = 0;
  for (const auto& [id, g] : gates_) {
    if (g.seqs.empty()) return broken("gate " + id + " holds no task");
    if (g.proposal_id.empty()) continue;
    ++proposed;
    auto p = by_proposal_.find(g.proposal_id);
    if (p == by_proposal_.end() || p->second != id) return broken("gate " + id + "'s proposal is not indexed to it");
  }
  if (by_proposal_.size() != proposed) return broken("the proposal index names gates not open or not proposed");
  return {};
}

}  // namespace orion::scheduler
