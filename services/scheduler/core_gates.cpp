// SchedulerCore, part 3: consensus gates. A gated task counts its undecided gate as one more
// unmet dependency, so it is never queued before the agents approve it. The core decides
// what to ask orion-consensus (PROPOSE, then GET_PROPOSAL polls) and the service carries the
// requests; its answers come back as gate_proposed/gate_decided. A `proposal.decided` event is
// only a hint (gate_hint): it makes the next tick ask the leader instead of waiting a second.
//
// Gate lifecycle (per gate; a gate holds one task, or every task of a gated batch):
//   no proposal   voters known          -> PROPOSE (same request id on every try)   -> proposing
//   no proposal   no voter yet           -> retried each second; after the gate's timeout
//                                           its tasks end CANCELLED                  -> closed
//   proposing     PROPOSE_OK             -> proposal id kept with each task (durable) -> voting
//   proposing     refused (bad voters)   -> tasks CANCELLED with the error           -> closed
//   voting        decided APPROVED       -> outcome kept, unmet-1: tasks may run      -> closed
//   voting        REJECTED or EXPIRED    -> tasks CANCELLED, dependants FAILED        -> closed
//   voting        no news for a second   -> GET_PROPOSAL poll (events can be missed)  -> voting
//   voting        a proposal.decided event -> GET_PROPOSAL at the next tick (a hint)   -> voting
#include <algorithm>

#include "common/consensus_messages.h"
#include "common/log.h"
#include "common/vote_signature.h"
#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {

Status SchedulerCore::check_gate(const TaskSpec& spec, const ConsensusGate& gate) const {
  if (!gate.enabled()) return {};
  if (gate.capability.empty() && spec.capabilities.empty()) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "field 'consensus.capability': required when the task needs no capability (the agents with "
                      "it vote, and hear the proposal on its topic)");
  }
  return {};
}

void SchedulerCore::open_gate(TaskRecord& t, const std::string& gate_id) {
  t.mutable_cold().gate.id = gate_id;
  gates_.hold(gate_id, t.seq, t.cold().gate.proposal_id, clock_.now_ms());
}

std::string SchedulerCore::explain_gate(const TaskRecord& t) const {
  const auto& spec = t.spec.consensus;
  std::string kind = spec.type;
  std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (t.cold().gate.proposal_id.empty()) {
    std::string why = gates_.waiting(t.cold().gate.id);
    if (why.empty()) why = "proposing to the consensus service";
    return "waiting for consensus (" + kind + "): " + why;
  }
  return "waiting for consensus: proposal " + t.cold().gate.proposal_id + " (" + kind + ") is being voted on";
}

std::vector<Voter> SchedulerCore::gate_voters(const ConsensusGate& gate, const std::string& capability,
                                              std::string* missing) const {
  std::vector<Voter> out;
  if (!gate.voters.empty()) {
    for (const auto& id : gate.voters) {
      const AgentSession* a = pool_.find(id);
      if (!a || a->spec.public_key.empty()) {
        *missing = "voter " + id + (a ? " has no vote key" : " is not attached");
        return {};
      }
      out.push_back(Voter{id, a->spec.weight, a->spec.public_key});
    }
    return out;
  }
  for (const auto& [id, a] : pool_.agents()) {
    const auto& caps = a.spec.capabilities;
    if (a.spec.public_key.empty() || std::find(caps.begin(), caps.end(), capability) == caps.end()) continue;
    out.push_back(Voter{id, a.spec.weight, a.spec.public_key});
  }
  if (out.empty()) *missing = "no live agent with capability " + capability + " can vote yet";
  return out;
}

// Each tick (ConsensusGates::sweep): a due gate with a proposal polls it; one without proposes
// once it has voters, and expires at its timeout without them.
void SchedulerCore::expire_gates() {
  if (gates_.size() == 0) return;
  const auto now = clock_.now_ms();
  auto open = [&](std::uint64_t s) { return !is_terminal(tasks_.at(s).state); };
  auto to_close = gates_.sweep(now, open, [&](const std::string& gate_id, const ConsensusGates::Gate& g) -> std::string {
    const TaskRecord& first = tasks_.at(g.seqs.front());
    const ConsensusGate& spec = first.spec.consensus;
    if (!g.proposal_id.empty()) {
      outbox_.to_consensus.push_back({gate_id, "poll-" + g.proposal_id, MsgType::GET_PROPOSAL,
                                      GetProposal{g.proposal_id}.to_body()});
      return {};
    }
    std::string capability = spec.capability.empty() ? first.spec.capabilities.front() : spec.capability;
    std::string missing;
    auto voters = gate_voters(spec, capability, &missing);
    if (voters.empty()) {
      if (gates_.set_waiting(gate_id, missing)) {
        for (auto s : g.seqs) dirty_.insert(s);
      }
      if (now - g.created_mono_ms >= spec.timeout_ms) return "EXPIRED before it could be proposed: " + missing;
      return {};
    }
    gates_.set_waiting(gate_id, "");
    Propose p;
    p.proposer = "scheduler";
    p.type = g.seqs.size() == 1 ? first.spec.type : "batch";
    p.capability = capability;
    p.consensus_type = consensus_type_from_string(spec.type);
    p.voters = std::move(voters);
    p.timeout_ms = spec.timeout_ms;
    p.data = spec.data;
    if (p.data.is_object() && !p.data.contains("task_ids")) {
      Json ids = Json::array();
      for (auto s : g.seqs) ids.push_back(task_id_for(s));
      p.data["task_ids"] = std::move(ids);
    }
    // One request id per gate, kept across restarts and failovers (from the gate's first task
    // and its creation time): the consensus service answers a repeated PROPOSE with the first
    // proposal. Keyed with the service's secret when it has one, so that no one else can
    // predict it (and the consensus service scopes request ids by principal: no one else can
    // claim it either).
    const std::string seed = gate_id + "-" + std::to_string(first.created_ms);
    outbox_.to_consensus.push_back(
        {gate_id, "gate-" + (options_.gate_key.empty() ? seed : consensus::keyed_digest_hex(options_.gate_key, seed)),
         MsgType::PROPOSE, p.to_body()});
    return {};
  });
  for (const auto& [gate_id, cause] : to_close) close_gate(gate_id, "EXPIRED", "consensus " + cause);
}

void SchedulerCore::gate_proposed(const std::string& gate_id, const std::string& proposal_id) {
  const auto* seqs = gates_.proposed(gate_id, proposal_id, clock_.now_ms());
  if (!seqs) return;
  for (auto s : *seqs) {
    TaskRecord& t = tasks_.at(s);
    t.mutable_cold().gate.proposal_id = proposal_id;
    if (!is_terminal(t.state)) note(t, t.state, "proposed for consensus as " + proposal_id);
    mark(t, "task.gate");
  }
  spdlog::info("event=gate_proposed gate={} proposal={} tasks={}", gate_id, proposal_id, seqs->size());
}

void SchedulerCore::gate_decided(const std::string& proposal_id, const std::string& outcome) {
  const std::string* gate = gates_.gate_of(proposal_id);
  if (!gate) return;
  if (outcome != "APPROVED" && outcome != "REJECTED" && outcome != "EXPIRED") return;  // still PENDING
  std::string cause = "consensus " + proposal_id + " " + outcome;
  const std::string gate_id = *gate;  // a copy: closing the gate drops the index entry
  close_gate(gate_id, outcome, cause);
}

void SchedulerCore::gate_hint(const std::string& proposal_id) {
  const std::string* gate = gates_.hint(proposal_id);
  if (!gate) return;
  spdlog::debug("event=gate_hint proposal={} gate={} action=ask_leader", proposal_id, *gate);
}

void SchedulerCore::gate_refused(const std::string& gate_id, const Error& error) {
  if (!gates_.holds(gate_id)) return;
  close_gate(gate_id, "REFUSED", "consensus refused the proposal: " + error.to_string());
}

void SchedulerCore::close_gate(const std::string& gate_id, const std::string& outcome, const std::string& cause) {
  auto closed = gates_.take(gate_id);
  if (!closed) return;
  const ConsensusGates::Gate& g = *closed;
  spdlog::info("event=gate_decided gate={} proposal={} outcome={}", gate_id, g.proposal_id, outcome);
  const bool approved = outcome == "APPROVED";
  for (auto s : g.seqs) {
    TaskRecord& t = tasks_.at(s);
    t.mutable_cold().gate.outcome = outcome;
    dirty_.insert(s);
    if (is_terminal(t.state)) continue;
    if (approved) {
      note(t, t.state, cause);
      if (--t.unmet == 0) {
        t.ready_ms = 0;
        make_ready(t);
      }
      mark(t, "task.gate");
      continue;
    }
    t.mutable_cold().error = cause;
    finish(t, TaskState::CANCELLED, Cause::GATE_CLOSED);
  }
  // Only after every task of the gate ended CANCELLED: their dependants outside it fail.
  if (!approved) {
    for (auto s : g.seqs) cascade(tasks_.at(s), nullptr);
  }
  for (auto s : g.seqs) index_expiry(tasks_.at(s));  // the gate retained its ended tasks

}

}  // namespace orion::scheduler
