// Waiters (waiters.h): holding a wait within the quota, and the invariants.
#include "services/scheduler/waiters.h"

#include <iterator>

#include "services/scheduler/task_lifecycle.h"

namespace orion::scheduler {

Status Waiters::hold(std::uint64_t seq, Waiter w) {
  if (auto s = quota_.admit(w.identity, 1); !s) return s;
  quota_.add(w.identity, 1);
  singles_.insert({seq, std::move(w)});
  return {};
}

Status Waiters::hold_group(Waiter w, std::vector<std::uint64_t> seqs, const TaskTable& tasks) {
  if (auto s = quota_.admit(w.identity, seqs.size()); !s) return s;
  quota_.add(w.identity, seqs.size());
  const auto id = next_group_++;
  Group g{std::move(w), std::move(seqs), 0};
  for (auto seq : g.seqs) {
    if (!is_terminal(tasks.at(seq).state)) {
      group_index_.insert({seq, id});
      ++g.pending;
    }
    ++names_[seq];  // kept (retention) until the group is answered
  }
  groups_.emplace(id, std::move(g));
  return {};
}

void Waiters::unindex(std::uint64_t id, const Group& g) {
  for (auto seq : g.seqs) {
    auto range = group_index_.equal_range(seq);
    for (auto it = range.first; it != range.second;) it = it->second == id ? group_index_.erase(it) : std::next(it);
  }
}

void Waiters::clear() {
  singles_.clear();
  groups_.clear();
  group_index_.clear();
  names_.clear();
  quota_.clear();
}

Status Waiters::check_invariants(const TaskTable& tasks) const {
  auto broken = [](const std::string& what) { return Status(make_error(ErrorCode::INTERNAL, what)); };
  std::size_t units = singles_.size();
  std::unordered_map<std::uint64_t, std::uint32_t> names;
  for (const auto& [id, g] : groups_) {
    units += g.seqs.size();
    for (auto seq : g.seqs) ++names[seq];
    if (g.pending == 0) return broken("a held WAIT_TASKS with no open task was not answered");
  }
  if (quota_.holds() != singles_.size() + groups_.size() || quota_.units() != units) {
    return broken("the wait quota does not count the held waits");
  }
  std::map<std::uint64_t, std::size_t> indexed;  // group -> entries
  for (const auto& [seq, id] : group_index_) {
    auto g = groups_.find(id);
    if (g == groups_.end()) return broken("the group index names a WAIT_TASKS not held");
    ++indexed[id];
  }
  for (const auto& [id, g] : groups_) {
    if (indexed[id] != g.pending) return broken("a WAIT_TASKS's open count does not match the group index");
  }
  if (names != names_) return broken("the tasks named by held WAIT_TASKS are miscounted");
  for (const auto& [seq, n] : names_) {
    if (!tasks.count(seq)) return broken("task t" + std::to_string(seq) + " expired while a WAIT_TASKS names it");
  }
  return {};
}

}  // namespace orion::scheduler
