#include "services/scheduler/limit_waits.h"

#include <algorithm>

#include "services/scheduler/task_lifecycle.h"

namespace orion::scheduler {

void LimitWaits::hold(std::uint64_t seq, std::int64_t order, const std::string& key, std::int64_t until_ms,
                      std::string reason) {
  remove(seq);
  by_seq_[seq] = Held{key, order, std::move(reason)};
  by_key_[key].insert({order, seq});
  if (until_ms > 0) {
    auto it = due_of_.find(key);
    if (it == due_of_.end()) {
      due_of_.emplace(key, until_ms);
      due_.insert({until_ms, key});
    } else if (until_ms < it->second) {
      due_.erase({it->second, key});
      it->second = until_ms;
      due_.insert({until_ms, key});
    }
  }
}

void LimitWaits::erase_from_key(const std::string& key, const Entry& e) {
  auto k = by_key_.find(key);
  if (k == by_key_.end()) return;
  k->second.erase(e);
  if (!k->second.empty()) return;
  by_key_.erase(k);
  if (auto d = due_of_.find(key); d != due_of_.end()) {
    due_.erase({d->second, key});
    due_of_.erase(d);
  }
}

std::uint64_t LimitWaits::take_head(std::string_view key) {
  auto k = by_key_.find(key);
  if (k == by_key_.end()) return 0;
  const std::uint64_t seq = k->second.begin()->second;
  remove(seq);
  return seq;
}

bool LimitWaits::remove(std::uint64_t seq) {
  auto it = by_seq_.find(seq);
  if (it == by_seq_.end()) return false;
  erase_from_key(it->second.key, {it->second.order, seq});
  by_seq_.erase(it);
  return true;
}

std::optional<std::string> LimitWaits::due_key(std::int64_t now_ms) {
  if (due_.empty() || due_.begin()->first > now_ms) return std::nullopt;
  std::string key = due_.begin()->second;
  due_.erase(due_.begin());
  due_of_.erase(key);
  return key;
}

std::vector<std::uint64_t> LimitWaits::take_all() {
  std::vector<std::uint64_t> out;
  out.reserve(by_seq_.size());
  for (const auto& [key, entries] : by_key_) {
    for (const auto& e : entries) out.push_back(e.second);
  }
  by_seq_.clear(), by_key_.clear(), due_.clear(), due_of_.clear();
  return out;
}

std::vector<std::uint64_t> LimitWaits::take_matching(std::string_view pattern, bool prefix_match) {
  std::vector<std::uint64_t> out;
  for (auto k = by_key_.lower_bound(pattern); k != by_key_.end(); ++k) {
    const bool match = prefix_match ? std::string_view(k->first).substr(0, pattern.size()) == pattern : k->first == pattern;
    if (!match) break;  // keys with the prefix are contiguous from lower_bound
    for (const auto& e : k->second) out.push_back(e.second);
  }
  for (auto seq : out) remove(seq);
  return out;
}

const std::string* LimitWaits::reason(std::uint64_t seq) const {
  auto it = by_seq_.find(seq);
  return it == by_seq_.end() ? nullptr : &it->second.reason;
}

std::vector<std::string> LimitWaits::keys() const {
  std::vector<std::string> out;
  out.reserve(by_key_.size());
  for (const auto& [key, entries] : by_key_) out.push_back(key);
  return out;
}

std::size_t LimitWaits::waiting(std::string_view key, bool prefix_match) const {
  if (!prefix_match) {
    auto k = by_key_.find(key);
    return k == by_key_.end() ? 0 : k->second.size();
  }
  std::size_t n = 0;
  for (auto k = by_key_.lower_bound(key); k != by_key_.end() && std::string_view(k->first).substr(0, key.size()) == key; ++k) {
    n += k->second.size();
  }
  return n;
}

Status LimitWaits::check_invariants(const TaskTable& tasks) const {
  auto broken = [](const std::string& what) { return Status(make_error(ErrorCode::INTERNAL, "limit waits: " + what)); };
  std::size_t indexed = 0;
  for (const auto& [key, entries] : by_key_) {
    if (entries.empty()) return broken("key " + key + " kept with no waiter");
    for (const auto& [order, seq] : entries) {
      auto it = by_seq_.find(seq);
      if (it == by_seq_.end() || it->second.key != key || it->second.order != order) {
        return broken("t" + std::to_string(seq) + " indexed under " + key + " but not held so");
      }
      ++indexed;
    }
  }
  if (indexed != by_seq_.size()) return broken("a held task is not under its key");
  if (due_.size() != due_of_.size()) return broken("due index out of step");
  for (const auto& [due, key] : due_) {
    auto d = due_of_.find(key);
    if (d == due_of_.end() || d->second != due) return broken("due time of " + key + " out of step");
    if (!by_key_.count(key)) return broken("key " + key + " due with no waiter");
  }
  for (const auto& [seq, h] : by_seq_) {
    auto t = tasks.find(seq);
    if (t == tasks.end()) return broken("t" + std::to_string(seq) + " is held but not in the table");
    const TaskRecord& r = t->second;
    if (r.state != TaskState::PENDING || r.unmet != 0 || r.retry_due_ms != 0 || !r.limit_held) {
      return broken(r.task_id() + " is held but not a ready task held back by a limit");
    }
    if (std::find(r.spec.limit_keys.begin(), r.spec.limit_keys.end(), h.key) == r.spec.limit_keys.end()) {
      return broken(r.task_id() + " waits on " + h.key + ", which is not one of its keys");
    }
  }
  return {};
}

}  // namespace orion::scheduler
