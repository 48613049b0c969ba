// BatchLedger (batch_ledger.h): what a batch leaves in the books when it is accepted, restored,
// written and expired, and the invariants.
#include "services/scheduler/batch_ledger.h"

#include <algorithm>
#include <iterator>

namespace orion::scheduler {

void BatchLedger::accepted(const std::string& request_id, const std::vector<std::uint64_t>& seqs,
                           std::vector<std::pair<std::string, std::uint64_t>> hits, std::uint64_t first,
                           std::uint64_t last, std::int64_t accepted_ms) {
  batches_.emplace(request_id, seqs);
  if (first != 0) spans_[first] = BatchSpan{last, request_id, static_cast<std::size_t>(last - first + 1)};
  if (hits.empty()) return;
  BatchHits h{next_hits_id_++, request_id, std::move(hits), first, last, accepted_ms};
  hits_[request_id] = HeldHits{h.id, h.hits, h.first, h.last, h.accepted_ms};
  if (h.first == 0) hits_due_.insert({h.accepted_ms + retention_ms_, request_id});
  new_hits_.push_back(std::move(h));
}

void BatchLedger::restored(const std::string& request_id, const std::vector<std::uint64_t>& seqs,
                           std::uint64_t first, std::uint64_t last, std::size_t live) {
  // The request id goes when the last of the batch's tasks still held expires (task_gone), as
  // for a batch accepted since start-up; a batch none of whose tasks is held is gone.
  if (live == 0) return;
  batches_.emplace(request_id, seqs);
  spans_[first] = BatchSpan{last, request_id, live};
}

// After the tasks (they come first in a replay and in a leader's turn): the span's live count
// is what is held of it. A record whose batch's tasks all expired already goes at once.
void BatchLedger::restore_hits(BatchHits hits, std::size_t live, std::int64_t now_wall_ms) {
  next_hits_id_ = std::max(next_hits_id_, hits.id + 1);
  if (auto held = hits_.find(hits.request_id); held != hits_.end() && held->second.id != hits.id) {
    expired_hits_.push_back(held->second.id);  // superseded (not expected)
  }
  if (hits.first != 0 && hits.last >= hits.first) {
    if (live == 0) {
      expired_hits_.push_back(hits.id);
      return;
    }
    spans_[hits.first] = BatchSpan{hits.last, hits.request_id, live};
  } else {
    // An old record (no accepted_ms): its window starts now.
    if (hits.accepted_ms == 0) hits.accepted_ms = now_wall_ms;
    hits_due_.insert({hits.accepted_ms + retention_ms_, hits.request_id});
  }
  hits_[hits.request_id] = HeldHits{hits.id, std::move(hits.hits), hits.first, hits.last, hits.accepted_ms};
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> BatchLedger::written_alone(std::uint64_t seq) {
  auto it = records_.upper_bound(seq);
  if (it == records_.begin()) return std::nullopt;
  --it;
  if (seq > it->second.last || --it->second.untouched > 0) return std::nullopt;
  const std::pair<std::uint64_t, std::uint64_t> range{it->first, it->second.last};
  spent_.push_back(range.first);
  records_.erase(it);
  return range;
}

void BatchLedger::task_gone(std::uint64_t seq) {
  auto s = spans_.upper_bound(seq);
  if (s == spans_.begin()) return;
  --s;
  if (seq > s->second.last || --s->second.live > 0) return;
  const std::string rid = s->second.request_id;
  spans_.erase(s);
  drop_request(rid);
}

std::size_t BatchLedger::expire_hits(std::int64_t now_wall_ms, std::size_t budget) {
  std::size_t removed = 0;
  while (!hits_due_.empty() && removed < budget && hits_due_.begin()->first <= now_wall_ms) {
    const auto [due, rid] = *hits_due_.begin();
    hits_due_.erase(hits_due_.begin());
    auto h = hits_.find(rid);
    // Stale when the request id was taken again since (a new request once the old one expired).
    if (h == hits_.end() || h->second.first != 0 || h->second.accepted_ms + retention_ms_ != due) continue;
    drop_request(rid);
    ++removed;
  }
  return removed;
}

void BatchLedger::drop_hits(std::uint64_t id) {
  // Rare (a batch whose entries were all idempotent hits): a scan of the batches with hits.
  for (auto it = hits_.begin(); it != hits_.end(); ++it) {
    if (it->second.id != id) continue;
    drop_request(it->first);
    break;
  }
}

void BatchLedger::drop_request(const std::string& request_id) {
  batches_.erase(request_id);
  auto h = hits_.find(request_id);
  if (h == hits_.end()) return;
  expired_hits_.push_back(h->second.id);
  hits_.erase(h);
}

Status BatchLedger::check_invariants(const TaskTable& tasks) const {
  auto broken = [](const std::string& what) { return Status(make_error(ErrorCode::INTERNAL, what)); };
  std::uint64_t end = 0;  // the last seq of the previous range
  for (const auto& [first, r] : records_) {
    if (first == 0 || r.last < first || first <= end) return broken("batch record ranges overlap or are empty");
    if (r.untouched == 0 || r.untouched > r.last - first + 1) return broken("a batch record's untouched count is out of range");
    end = r.last;
  }
  end = 0;
  for (const auto& [first, s] : spans_) {
    if (first == 0 || s.last < first || first <= end) return broken("batch spans overlap or are empty");
    if (s.live == 0 || s.live > s.last - first + 1) return broken("a batch span's live count is out of range");
    if (s.request_id.empty() || !knows(s.request_id)) return broken("a batch span's request id is not held");
    end = s.last;
  }
  std::set<std::uint64_t> ids;
  for (const auto& [rid, h] : hits_) {
    if (h.id == 0 || h.id >= next_hits_id_ || !ids.insert(h.id).second) return broken("BatchHits ids not unique or not below the next");
    if (h.first != 0) {
      auto s = spans_.find(h.first);
      if (s == spans_.end() || s->second.request_id != rid) return broken("BatchHits of " + rid + " has no span of its new tasks");
    } else if (!hits_due_.count({h.accepted_ms + retention_ms_, rid})) {
      return broken("BatchHits of " + rid + " (no new tasks) is not due to expire");
    }
  }
  for (const auto& p : pending_) {
    const auto n = p.entries.size();
    if (p.seqs.size() != n || p.is_new.size() != n || p.deps.size() != n || p.plan.size() != n || p.next > n) {
      return broken("a pending batch's entries and their plan do not match");
    }
  }
  if (applying()) return {};  // its tasks are not all made yet
  std::map<std::uint64_t, std::size_t> untouched, live;  // by range's first seq
  for (const auto& [seq, t] : tasks) {
    if (auto s = spans_.upper_bound(seq); s != spans_.begin() && seq <= std::prev(s)->second.last) ++live[std::prev(s)->first];
    if (!t.in_batch_record) continue;
    auto r = records_.upper_bound(seq);
    if (r == records_.begin() || seq > std::prev(r)->second.last) return broken("task " + t.task_id() + " is held by no batch record");
    ++untouched[std::prev(r)->first];
  }
  for (const auto& [first, r] : records_) {
    if (untouched[first] != r.untouched) return broken("batch record t" + std::to_string(first) + " miscounts its tasks");
  }
  for (const auto& [first, s] : spans_) {
    if (live[first] != s.live) return broken("batch span t" + std::to_string(first) + " miscounts its tasks held");
  }
  return {};
}

}  // namespace orion::scheduler
