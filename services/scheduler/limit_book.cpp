#include "services/scheduler/limit_book.h"

#include "common/codec.h"
#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {

Envelope LimitBook::handle(const Envelope& e) {
  switch (e.type) {
    case MsgType::SET_LIMIT: {
      auto m = SetLimit::from_body(e.body);
      if (!m) return error_envelope(e.request_id, m.error());
      auto ok = set(*m);
      if (!ok) return error_envelope(e.request_id, ok.error());
      return Envelope{MsgType::LIMIT_OK, e.request_id, ok->to_body()};
    }
    case MsgType::DELETE_LIMIT: {
      auto m = DeleteLimit::from_body(e.body);
      if (!m) return error_envelope(e.request_id, m.error());
      auto ok = remove(m->pattern);
      if (!ok) return error_envelope(e.request_id, ok.error());
      return Envelope{MsgType::DELETE_LIMIT_OK, e.request_id, ok->to_body()};
    }
    case MsgType::LIST_LIMITS: {
      auto m = ListLimits::from_body(e.body);
      if (!m) return error_envelope(e.request_id, m.error());
      return Envelope{MsgType::LIMIT_LIST, e.request_id, list(*m).to_body()};
    }
    default:
      return error_envelope(e.request_id, make_error(ErrorCode::UNKNOWN_TYPE, std::string(to_string(e.type)) +
                                                                                  " is not a limit request"));
  }
}

Result<LimitOk> LimitBook::set(const SetLimit& m) {
  const LimitRule rule{m.pattern, m.max_running, m.rate, m.period_ms};
  auto held = by_pattern_.find(m.pattern);
  if (held == by_pattern_.end() && by_seq_.size() >= KeyLimits::kMaxRules) {
    return make_error(ErrorCode::FAILED_PRECONDITION,
                      "at most " + std::to_string(KeyLimits::kMaxRules) + " limit rules; delete one first");
  }
  if (auto s = core_.set_limit(rule); !s) return s.error();
  std::uint64_t seq;
  if (held != by_pattern_.end()) {
    seq = held->second;
  } else {
    seq = next_seq_++;
    counter_dirty_ = true;
    by_pattern_.emplace(m.pattern, seq);
  }
  by_seq_[seq] = rule;
  dirty_.insert(seq);
  return LimitOk{core_.limit_view(rule)};
}

Result<DeleteLimitOk> LimitBook::remove(const std::string& pattern) {
  auto it = by_pattern_.find(pattern);
  if (it == by_pattern_.end()) return make_error(ErrorCode::NOT_FOUND, "no limit rule has the pattern '" + pattern + "'");
  core_.delete_limit(pattern);
  by_seq_.erase(it->second);
  dirty_.insert(it->second);
  by_pattern_.erase(it);
  return DeleteLimitOk{pattern};
}

LimitList LimitBook::list(const ListLimits& m) const {
  LimitList out;
  auto it = m.after.empty() ? by_pattern_.begin() : by_pattern_.upper_bound(m.after);
  for (; it != by_pattern_.end(); ++it) {
    if (static_cast<std::int64_t>(out.limits.size()) >= m.limit) {
      out.next = out.limits.back().pattern;
      break;
    }
    out.limits.push_back(core_.limit_view(by_seq_.at(it->second)));
  }
  return out;
}

std::string LimitBook::encode(const LimitRule& r) {
  return encode_value(Json{{"p", r.pattern}, {"m", r.max_running}, {"r", r.rate}, {"t", r.period_ms}});
}

std::string LimitBook::encode_counter() const { return encode_value(Json{{"next", next_seq_}}); }

Status LimitBook::apply_record(std::uint64_t id, std::string_view bytes) {
  auto corrupt = [&](const std::string& why) {
    return make_error(ErrorCode::INTERNAL, "stored limit rule " + std::to_string(id) + " is corrupt: " + why);
  };
  if (id == 0) {
    auto j = decode_value(bytes.data(), bytes.size());
    if (!j || !j->is_object() || !j->contains("next") || !(*j)["next"].is_number_unsigned()) return corrupt("no counter");
    next_seq_ = std::max(next_seq_, (*j)["next"].get<std::uint64_t>());
    return {};
  }
  if (auto held = by_seq_.find(id); held != by_seq_.end()) {
    core_.delete_limit(held->second.pattern);
    by_pattern_.erase(held->second.pattern);
    by_seq_.erase(held);
  }
  if (bytes.empty()) return {};
  auto j = decode_value(bytes.data(), bytes.size());
  if (!j) return corrupt(j.error().message);
  LimitRule r;
  try {
    r.pattern = j->at("p").get<std::string>();
    r.max_running = j->at("m").get<std::int64_t>();
    r.rate = j->at("r").get<std::int64_t>();
    r.period_ms = j->at("t").get<std::int64_t>();
  } catch (const std::exception& ex) {
    return corrupt(ex.what());
  }
  if (auto s = core_.set_limit(r); !s) return corrupt(s.error().message);
  by_seq_[id] = r;
  by_pattern_[r.pattern] = id;
  next_seq_ = std::max(next_seq_, id + 1);
  return {};
}

Status LimitBook::check_invariants() const {
  auto broken = [](const std::string& what) { return Status(make_error(ErrorCode::INTERNAL, "limit book: " + what)); };
  if (by_pattern_.size() != by_seq_.size()) return broken("indexes out of step");
  for (const auto& [pattern, seq] : by_pattern_) {
    auto it = by_seq_.find(seq);
    if (it == by_seq_.end() || it->second.pattern != pattern) return broken("pattern " + pattern + " not held under its seq");
    if (seq >= next_seq_) return broken("seq not below next_seq");
  }
  const auto rules = core_.limits().rules();
  if (rules.size() != by_seq_.size()) return broken("the core holds other rules");
  for (const auto& r : rules) {
    auto it = by_pattern_.find(r.pattern);
    if (it == by_pattern_.end()) return broken("the core holds rule " + r.pattern + ", not stored");
    const LimitRule& mine = by_seq_.at(it->second);
    if (mine.max_running != r.max_running || mine.rate != r.rate || mine.period_ms != r.period_ms) {
      return broken("rule " + r.pattern + " differs from the core's");
    }
  }
  return {};
}

}  // namespace orion::scheduler
