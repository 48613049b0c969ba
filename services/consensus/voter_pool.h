// One shared copy of each distinct voter list. Proposals to the same capability usually name the
// same voters, each with a 64-hex-digit public key: held once per distinct list instead of once
// per proposal, a list of 5 costs a proposal 16 bytes (a shared pointer) instead of about 760.
//
//   VoterPool pool;
//   VoterList a = pool.intern(std::move(propose.voters));   // equal lists share one copy
//   ...
//   pool.release(a);                                        // when the proposal is forgotten
//
// Lists are equal when their voters are, in order, field by field (agent id, weight, key as
// written): a shared list is the very bytes each proposal was made with. The pool is memory
// only, never state: what a replica holds and encodes is the same with or without it.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/consensus_messages.h"

namespace orion::consensus {

using VoterList = std::shared_ptr<const std::vector<Voter>>;

class VoterPool {
 public:
  // The pooled list equal to `voters`, added when there is none.
  VoterList intern(std::vector<Voter>&& voters);
  // Drops one holder's reference (leaving `list` empty); the pool forgets a list when it held
  // the last other one.
  void release(VoterList& list);
  std::size_t size() const { return lists_.size(); }
  void clear() { lists_.clear(); }

 private:
  static std::string key_of(const std::vector<Voter>& voters);
  // Invariant: every entry's key is key_of(*entry) and its use_count counts the pool's own
  // reference plus one per proposal holding it.
  std::unordered_map<std::string, VoterList> lists_;
};

}  // namespace orion::consensus
