#include "services/consensus/voter_pool.h"

#include <cstring>

namespace orion::consensus {

// Each voter as its agent id, a 0x00, the weight's 8 bytes, the key and a 0x00: ids and keys
// hold no 0x00 (ids are refused with one, keys are hex), so distinct lists get distinct keys.
std::string VoterPool::key_of(const std::vector<Voter>& voters) {
  std::string key;
  std::size_t size = 0;
  for (const auto& v : voters) size += v.agent_id.size() + v.public_key.size() + 2 + sizeof(double);
  key.reserve(size);
  for (const auto& v : voters) {
    char weight[sizeof(double)];
    std::memcpy(weight, &v.weight, sizeof weight);
    key += v.agent_id;
    key += '\0';
    key.append(weight, sizeof weight);
    key += v.public_key;
    key += '\0';
  }
  return key;
}

VoterList VoterPool::intern(std::vector<Voter>&& voters) {
  std::string key = key_of(voters);
  auto it = lists_.find(key);
  if (it != lists_.end()) return it->second;
  auto list = std::make_shared<const std::vector<Voter>>(std::move(voters));
  lists_.emplace(std::move(key), list);
  return list;
}

void VoterPool::release(VoterList& list) {
  if (!list) return;
  if (list.use_count() == 2) lists_.erase(key_of(*list));
  list.reset();
}

}  // namespace orion::consensus
