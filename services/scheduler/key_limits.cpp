#include "services/scheduler/key_limits.h"

#include <algorithm>
#include <cmath>

namespace orion::scheduler {
namespace {

Error invalid(const std::string& message) { return make_error(ErrorCode::INVALID_ARGUMENT, message); }

bool is_prefix_rule(const std::string& pattern) { return !pattern.empty() && pattern.back() == '*'; }

}  // namespace

Status KeyLimits::set_rule(const LimitRule& r) {
  const std::string& p = r.pattern;
  if (p.empty() || p == "*") return invalid("limit pattern: a key, or a prefix followed by '*' (\"customer-*\")");
  if (p.find('*') != p.size() - 1 && p.find('*') != std::string::npos) {
    return invalid("limit pattern '" + p + "': '*' may only end it");
  }
  if (r.max_running < 0 || r.max_running > kMaxCount) {
    return invalid("max_running: 0 (none) to " + std::to_string(kMaxCount) + ", not " + std::to_string(r.max_running));
  }
  if (r.rate < 0 || r.rate > kMaxCount) {
    return invalid("rate: 0 (none) to " + std::to_string(kMaxCount) + ", not " + std::to_string(r.rate));
  }
  if (r.rate > 0 && (r.period_ms < 1 || r.period_ms > kMaxPeriodMs)) {
    return invalid("period_ms: 1 to " + std::to_string(kMaxPeriodMs) + " with a rate, not " + std::to_string(r.period_ms));
  }
  if (r.rate == 0 && r.period_ms != 0) return invalid("period_ms without a rate");
  if (r.max_running == 0 && r.rate == 0) return invalid("limit '" + p + "' limits nothing: give max_running or rate");
  auto& into = is_prefix_rule(p) ? prefixes_ : exact_;
  const std::string name = is_prefix_rule(p) ? p.substr(0, p.size() - 1) : p;
  if (into.count(name) == 0 && exact_.size() + prefixes_.size() >= kMaxRules) {
    return invalid("at most " + std::to_string(kMaxRules) + " limit rules");
  }
  into[name] = r;
  return {};
}

bool KeyLimits::remove_rule(const std::string& pattern) {
  if (is_prefix_rule(pattern)) return prefixes_.erase(pattern.substr(0, pattern.size() - 1)) > 0;
  return exact_.erase(pattern) > 0;
}

std::vector<LimitRule> KeyLimits::rules() const {
  std::vector<LimitRule> out;
  for (const auto& [name, r] : exact_) out.push_back(r);
  for (const auto& [name, r] : prefixes_) out.push_back(r);
  std::sort(out.begin(), out.end(), [](const LimitRule& a, const LimitRule& b) { return a.pattern < b.pattern; });
  return out;
}

const LimitRule* KeyLimits::rule_for(std::string_view key) const {
  if (auto it = exact_.find(key); it != exact_.end()) return &it->second;
  if (prefixes_.empty()) return nullptr;
  for (std::size_t len = key.size() + 1; len-- > 0;) {
    if (auto it = prefixes_.find(key.substr(0, len)); it != prefixes_.end()) return &it->second;
  }
  return nullptr;
}

void KeyLimits::refill(KeyState& s, const LimitRule& rule, std::int64_t now_ms) {
  if (now_ms <= s.refilled_ms) return;
  const double add = static_cast<double>(now_ms - s.refilled_ms) * static_cast<double>(rule.rate) /
                     static_cast<double>(rule.period_ms);
  s.tokens = std::min(static_cast<double>(rule.rate), s.tokens + add);
  s.refilled_ms = now_ms;
}

KeyLimits::KeyState& KeyLimits::state_of(const std::string& key, const LimitRule& rule, std::int64_t now_ms) {
  auto [it, fresh] = state_.try_emplace(key);
  KeyState& s = it->second;
  if (rule.rate > 0 && !s.bucket) {
    // Empty at the term's start, filled since (full when the term began a period ago or more).
    s.bucket = true;
    s.tokens = 0;
    s.refilled_ms = std::min(now_ms, term_start_ms_);
    if (s.refilled_ms < now_ms - rule.period_ms) s.refilled_ms = now_ms - rule.period_ms;
    refill(s, rule, now_ms);
  } else if (rule.rate > 0) {
    refill(s, rule, now_ms);
  }
  return s;
}

std::optional<LimitWait> KeyLimits::check(const std::vector<std::string>& keys, std::int64_t now_ms) {
  for (const auto& key : keys) {
    const LimitRule* rule = rule_for(key);
    if (rule == nullptr) continue;
    if (rule->max_running > 0 && running(key) >= rule->max_running) {
      return LimitWait{key, true, 0,
                       "limit " + key + ": " + std::to_string(running(key)) + " of " +
                           std::to_string(rule->max_running) + " running"};
    }
    if (rule->rate > 0) {
      KeyState& s = state_of(key, *rule, now_ms);
      if (s.tokens < 1.0) {
        const double wait = (1.0 - s.tokens) * static_cast<double>(rule->period_ms) / static_cast<double>(rule->rate);
        const auto wait_ms = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)));
        return LimitWait{key, false, now_ms + wait_ms,
                         "rate limit " + key + ": " + std::to_string(rule->rate) + " per " +
                             std::to_string(rule->period_ms) + " ms, next in " + std::to_string(wait_ms) + " ms"};
      }
    }
  }
  return std::nullopt;
}

void KeyLimits::acquire(const std::vector<std::string>& keys, std::int64_t now_ms, bool token) {
  for (const auto& key : keys) {
    const LimitRule* rule = rule_for(key);
    KeyState* s = nullptr;
    if (rule != nullptr) {
      s = &state_of(key, *rule, now_ms);
    } else {
      s = &state_[key];
    }
    ++s->running;
    if (token && rule != nullptr && rule->rate > 0) s->tokens = std::max(0.0, s->tokens - 1.0);
  }
}

void KeyLimits::release(const std::vector<std::string>& keys) {
  for (const auto& key : keys) {
    auto it = state_.find(key);
    if (it == state_.end() || it->second.running == 0) continue;  // never acquired: nothing to give back
    if (--it->second.running == 0 && !it->second.bucket) state_.erase(it);
  }
}

std::int64_t KeyLimits::running(std::string_view key) const {
  auto it = state_.find(key);
  return it == state_.end() ? 0 : it->second.running;
}

bool KeyLimits::idle(const KeyState& s, const LimitRule* rule, std::int64_t now_ms) const {
  if (s.running > 0) return false;
  if (!s.bucket || rule == nullptr || rule->rate == 0) return true;
  KeyState copy = s;
  refill(copy, *rule, now_ms);
  return copy.tokens >= static_cast<double>(rule->rate);
}

void KeyLimits::trim(std::int64_t now_ms) {
  for (auto it = state_.begin(); it != state_.end();) {
    // A bucket dropped full is made again full: a key first seen a period after the term began.
    if (idle(it->second, rule_for(it->first), now_ms)) {
      it = state_.erase(it);
    } else {
      ++it;
    }
  }
}

Status KeyLimits::check_invariants() const {
  for (const auto& [key, s] : state_) {
    if (s.running < 0) return make_error(ErrorCode::INTERNAL, "limit key " + key + ": negative running count");
    if (s.running == 0 && !s.bucket) return make_error(ErrorCode::INTERNAL, "limit key " + key + ": idle state kept");
    if (s.bucket && s.tokens < 0) return make_error(ErrorCode::INTERNAL, "limit key " + key + ": negative tokens");
  }
  return {};
}

}  // namespace orion::scheduler
