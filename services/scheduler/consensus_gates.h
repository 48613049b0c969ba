// ConsensusGates: the undecided consensus gates the scheduler holds (core_gates.cpp for their
// lifecycle): which tasks each holds, its proposal once orion-consensus accepted it, when it is
// next due (a PROPOSE try or a GET_PROPOSAL poll), and why it is not proposed yet. The core
// decides what a due gate asks and what its outcome does to its tasks; this class keeps the
// gates and the index from proposal id to gate.
//
//   ConsensusGates gates;
//   gates.hold("t7", 7, "", now);                       // task t7 waits on gate t7
//   if (auto* seqs = gates.proposed("t7", "p-1", now)) ...;  // PROPOSE_OK
//   if (auto* id = gates.gate_of("p-1")) ...;           // an outcome names the proposal
//   auto closed = gates.take("t7");                     // decided: its tasks, to act on
//
// Invariants (check_invariants):
//   - every gate holds at least one task;
//   - by_proposal_ maps the proposal id of each proposed gate to it, and nothing else.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"

namespace orion::scheduler {

class ConsensusGates {
 public:
  static constexpr std::int64_t kRetryMs = 1000;  // next PROPOSE try, or next poll of an open proposal

  struct Gate {
    std::vector<std::uint64_t> seqs;  // the tasks it holds, in order
    std::string proposal_id;          // "" until proposed
    std::int64_t created_mono_ms = 0; // monotonic; since the last restart
    std::int64_t next_ms = 0;         // monotonic: next PROPOSE try or poll
    std::string waiting;              // why it is not proposed yet ("" = proposing)
  };

  // Task seq waits on gate_id (opened by its first task, at now_ms, monotonic). proposal_id: the
  // proposal the task's record names ("" none); the gate takes the first one it is given.
  void hold(const std::string& gate_id, std::uint64_t seq, const std::string& proposal_id, std::int64_t now_ms);
  bool holds(const std::string& gate_id) const { return gates_.count(gate_id) > 0; }
  bool holds_task(const std::string& gate_id, std::uint64_t seq) const;
  // Why the gate is not proposed yet; "" while proposing, or for no such gate.
  std::string waiting(const std::string& gate_id) const;
  // Due gate (in sweep): why it cannot be proposed now ("" = it is proposed now). True when that
  // changed (its tasks show it: the caller rewrites them).
  bool set_waiting(const std::string& gate_id, const std::string& why);

  // orion-consensus accepted the gate's proposal: the gate's tasks; nullptr when no such gate is
  // open or it has its proposal already. Next poll a retry later.
  const std::vector<std::uint64_t>* proposed(const std::string& gate_id, const std::string& proposal_id,
                                             std::int64_t now_ms);
  // The open gate of this proposal, or nullptr.
  const std::string* gate_of(const std::string& proposal_id) const {
    auto it = by_proposal_.find(proposal_id);
    return it == by_proposal_.end() ? nullptr : &it->second;
  }
  // The gate of this proposal asks at the next sweep; nullptr when no open gate holds it.
  const std::string* hint(const std::string& proposal_id);
  // The gate, closed (decided, refused or expired): out of the books; nullopt when not open.
  std::optional<Gate> take(const std::string& gate_id);
  void clear() { gates_.clear(), by_proposal_.clear(); }
  std::size_t size() const { return gates_.size(); }

  // Each tick: a gate none of whose tasks is open(seq) any more is forgotten; each gate due at
  // now_ms is due again a retry later and handed to due(gate_id, gate), which asks what it needs
  // and returns "" or, for a gate that must close, its cause. Returns (gate id, cause) of those,
  // in gate order: the caller closes them. O(gates + their tasks).
  template <class Open, class Due>
  std::vector<std::pair<std::string, std::string>> sweep(std::int64_t now_ms, Open&& open, Due&& due);

  Status check_invariants() const;

 private:
  std::map<std::string, Gate> gates_;                            // open gates by gate id
  std::unordered_map<std::string, std::string> by_proposal_;     // proposal id -> gate id
};

template <class Open, class Due>
std::vector<std::pair<std::string, std::string>> ConsensusGates::sweep(std::int64_t now_ms, Open&& open, Due&& due) {
  std::vector<std::pair<std::string, std::string>> to_close;
  for (auto it = gates_.begin(); it != gates_.end();) {
    Gate& g = it->second;
    bool any_open = false;
    for (auto s : g.seqs) any_open = any_open || open(s);
    if (!any_open) {  // every task of it ended otherwise: nothing to decide
      if (!g.proposal_id.empty()) by_proposal_.erase(g.proposal_id);
      it = gates_.erase(it);
      continue;
    }
    if (now_ms >= g.next_ms) {
      g.next_ms = now_ms + kRetryMs;
      if (auto cause = due(it->first, static_cast<const Gate&>(g)); !cause.empty()) to_close.emplace_back(it->first, cause);
    }
    ++it;
  }
  return to_close;
}

}  // namespace orion::scheduler
