#include "common/audit_log.h"

#include <algorithm>

namespace orion {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string to_hex(const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) out.push_back(kHex[c >> 4]), out.push_back(kHex[c & 15]);
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// 64 hex digits as 32 bytes; anything else as given (it then matches no hash).
std::string from_hex(const std::string& hex) {
  if (hex.size() != 2 * kAuditHashBytes) return hex;
  std::string out(kAuditHashBytes, '\0');
  for (std::size_t i = 0; i < kAuditHashBytes; ++i) {
    const int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return hex;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace

void AuditLog::hold(std::uint64_t seq, std::string bytes) {
  held_.emplace_back(seq, std::move(bytes));
  chain_.reset();
}

void AuditLog::forget(std::uint64_t seq) {
  while (!held_.empty() && held_.front().first <= seq) held_.pop_front();
}

void AuditLog::clear() {
  held_.clear();
  chain_.reset();
  last_time_ms_ = 0;
  unsaved_.clear();
  dropped_.clear();
}

void AuditLog::ensure_chain() {
  if (chain_) return;
  if (held_.empty()) {
    chain_.emplace();
    return;
  }
  auto last = decode_audit_record(held_.back().second);
  if (last) {
    chain_.emplace(*last);
    last_time_ms_ = std::max(last_time_ms_, last->event.time_ms);
    return;
  }
  // The newest stored record does not read (a damaged store): the chain goes on after its seq
  // from a zero hash; verification names it.
  AuditRecord stand_in;
  stand_in.seq = held_.back().first;
  stand_in.hash = std::string(kAuditHashBytes, '\0');
  chain_.emplace(stand_in);
}

std::uint64_t AuditLog::next_seq() {
  ensure_chain();
  return chain_->next_seq();
}

std::uint64_t AuditLog::record(AuditEvent event) {
  ensure_chain();
  event.time_ms = std::max(event.time_ms, last_time_ms_);
  last_time_ms_ = event.time_ms;
  const AuditRecord made = chain_->append(std::move(event));
  held_.emplace_back(made.seq, encode_audit_record(made));
  unsaved_.push_back(made.seq);
  // Retention: one out for each in once full; a lower keep is worked off kDropSlice a record.
  // Here and nowhere else, so replicas recording the same events drop the same records.
  for (std::size_t i = 0; i < kDropSlice && held_.size() > keep_; ++i) {
    dropped_.push_back(held_.front().first);
    held_.pop_front();
  }
  return made.seq;
}

void AuditLog::drain(const std::function<void(std::uint64_t, std::string)>& put,
                     const std::function<void(std::uint64_t)>& erase) {
  if (!unsaved_.empty()) {
    // The unsaved records are the newest: the tail of held_ (those dropped already are skipped).
    const std::uint64_t first = unsaved_.front();
    auto it = std::lower_bound(held_.begin(), held_.end(), first,
                               [](const auto& h, std::uint64_t s) { return h.first < s; });
    for (; it != held_.end(); ++it) put(it->first, it->second);
    unsaved_.clear();
  }
  for (std::uint64_t seq : dropped_) erase(seq);
  dropped_.clear();
}

void AuditLog::each(const std::function<void(std::uint64_t, const std::string&)>& fn) const {
  for (const auto& [seq, bytes] : held_) fn(seq, bytes);
}

AuditListOk AuditLog::list(const AuditList& request) const {
  AuditListOk out;
  if (held_.empty()) return out;
  out.first_seq = static_cast<std::int64_t>(held_.front().first);
  out.last_seq = static_cast<std::int64_t>(held_.back().first);
  const auto from = static_cast<std::uint64_t>(std::max<std::int64_t>(request.from_seq, 0));
  auto it = std::lower_bound(held_.begin(), held_.end(), from,
                             [](const auto& h, std::uint64_t s) { return h.first < s; });
  if (request.since_ms > 0) {
    // Times never go back along the chain; a record that does not read counts as earlier.
    it = std::partition_point(it, held_.end(), [&](const auto& h) {
      auto r = decode_audit_record(h.second);
      return !r || r->event.time_ms < request.since_ms;
    });
  }
  const auto limit = static_cast<std::size_t>(std::clamp<std::int64_t>(request.limit, 1, static_cast<std::int64_t>(kMaxAuditPage)));
  for (; it != held_.end() && out.records.size() < limit; ++it) out.records.push_back(audit_entry(it->first, it->second));
  out.next_seq = it == held_.end() ? 0 : static_cast<std::int64_t>(it->first);
  return out;
}

AuditEntry audit_entry(const AuditRecord& r) {
  AuditEntry e;
  e.seq = static_cast<std::int64_t>(r.seq);
  e.time_ms = r.event.time_ms;
  e.principal = r.event.principal;
  e.action = r.event.action;
  e.target = r.event.target;
  e.outcome = r.event.outcome;
  e.detail = r.event.detail;
  e.prev_hash = to_hex(r.prev_hash);
  e.hash = to_hex(r.hash);
  return e;
}

AuditEntry audit_entry(std::uint64_t seq, std::string_view bytes) {
  auto r = decode_audit_record(bytes);
  if (r) return audit_entry(*r);
  AuditEntry e;
  e.seq = static_cast<std::int64_t>(seq);
  std::string why = "stored record does not read: " + r.error().message;
  if (why.size() > kMaxAuditFieldBytes) why.resize(kMaxAuditFieldBytes);
  e.detail = std::move(why);
  return e;
}

AuditRecord audit_record(const AuditEntry& e) {
  AuditRecord r;
  r.seq = static_cast<std::uint64_t>(e.seq);
  r.event = {e.time_ms, e.principal, e.action, e.target, e.outcome, e.detail};
  r.prev_hash = from_hex(e.prev_hash);
  r.hash = from_hex(e.hash);
  return r;
}

bool RefusalBudget::admit(std::int64_t now_ms) {
  if (now_ms - window_ms_ >= 1000) window_ms_ = now_ms, in_window_ = 0;
  if (++in_window_ <= per_second_) return true;
  ++suppressed_;
  return false;
}

std::uint64_t RefusalBudget::summary(std::int64_t now_ms) {
  if (suppressed_ == 0 || now_ms - window_ms_ < 1000) return 0;
  return std::exchange(suppressed_, 0);
}

}  // namespace orion
