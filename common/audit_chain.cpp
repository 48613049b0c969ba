#include "common/audit_chain.h"

#include <sodium.h>

#include "common/codec.h"
#include "common/msg_writer.h"

namespace orion {
namespace {

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_str(std::string& out, const std::string& s) {
  const auto n = static_cast<std::uint32_t>(s.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out += s;
}

std::string cut(std::string s) {
  if (s.size() <= kMaxAuditField) return s;
  s.resize(kMaxAuditField - 3);
  return s + "...";
}

Error corrupt(const std::string& why) { return make_error(ErrorCode::INTERNAL, "audit record: " + why); }

}  // namespace

std::string audit_hash(const AuditRecord& r) {
  std::string bytes;
  bytes.reserve(64 + r.event.principal.size() + r.event.action.size() + r.event.target.size() +
                r.event.outcome.size() + r.event.detail.size());
  put_u64(bytes, r.seq);
  put_u64(bytes, static_cast<std::uint64_t>(r.event.time_ms));
  for (const std::string* s : {&r.event.principal, &r.event.action, &r.event.target, &r.event.outcome, &r.event.detail}) {
    put_str(bytes, *s);
  }
  put_str(bytes, r.prev_hash);
  std::string out(kAuditHashBytes, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr, 0);
  return out;
}

AuditRecord AuditChain::append(AuditEvent event) {
  AuditRecord r;
  r.seq = next_seq_++;
  for (std::string* s : {&event.principal, &event.action, &event.target, &event.outcome, &event.detail}) *s = cut(std::move(*s));
  r.event = std::move(event);
  r.prev_hash = head_;
  r.hash = audit_hash(r);
  head_ = r.hash;
  return r;
}

std::string encode_audit_record(const AuditRecord& r) {
  MsgWriter w;
  w.map(9);
  w.key("s"), w.integer(static_cast<std::int64_t>(r.seq));
  w.key("t"), w.integer(r.event.time_ms);
  w.key("p"), w.str(r.event.principal);
  w.key("a"), w.str(r.event.action);
  w.key("g"), w.str(r.event.target);
  w.key("o"), w.str(r.event.outcome);
  w.key("d"), w.str(r.event.detail);
  w.key("ph"), w.bin(r.prev_hash);
  w.key("h"), w.bin(r.hash);
  return w.take();
}

Result<AuditRecord> decode_audit_record(std::string_view bytes) {
  auto v = decode_value(bytes.data(), bytes.size());
  if (!v) return corrupt(v.error().message);
  if (!v->is_object()) return corrupt("not a map");
  AuditRecord r;
  auto str = [&](const char* k, std::string& out) -> bool {
    auto it = v->find(k);
    if (it == v->end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return out.size() <= kMaxAuditField;
  };
  auto hash = [&](const char* k, std::string& out) -> bool {
    auto it = v->find(k);
    if (it == v->end() || !it->is_binary() || it->get_binary().size() != kAuditHashBytes) return false;
    out.assign(it->get_binary().begin(), it->get_binary().end());
    return true;
  };
  auto s = v->find("s"), t = v->find("t");
  if (s == v->end() || !s->is_number_unsigned() || s->get<std::uint64_t>() == 0) return corrupt("no seq");
  if (t == v->end() || !t->is_number_integer()) return corrupt("no time");
  r.seq = s->get<std::uint64_t>();
  r.event.time_ms = t->get<std::int64_t>();
  if (!str("p", r.event.principal) || !str("a", r.event.action) || !str("g", r.event.target) ||
      !str("o", r.event.outcome) || !str("d", r.event.detail)) {
    return corrupt("record " + std::to_string(r.seq) + ": a field is missing, not a string or too long");
  }
  if (!hash("ph", r.prev_hash) || !hash("h", r.hash)) {
    return corrupt("record " + std::to_string(r.seq) + ": a hash is missing or not 32 bytes");
  }
  return r;
}

std::optional<AuditBreak> verify_audit_chain(const std::vector<AuditRecord>& records) {
  for (std::size_t i = 0; i < records.size(); ++i) {
    const AuditRecord& r = records[i];
    if (audit_hash(r) != r.hash) return AuditBreak{i, r.seq, "its content does not match its hash (changed)"};
    if (i == 0) continue;
    const AuditRecord& before = records[i - 1];
    if (r.prev_hash != before.hash || r.seq != before.seq + 1) {
      std::string why;
      if (r.seq <= before.seq) {
        why = "it comes after record " + std::to_string(before.seq) + " (inserted or reordered)";
      } else if (r.seq > before.seq + 1) {
        // Moved (stored later) or removed: a later record with a seq of the gap tells them apart.
        std::uint64_t later = 0;
        for (std::size_t j = i + 1; j < records.size() && later == 0; ++j) {
          if (records[j].seq > before.seq && records[j].seq < r.seq) later = records[j].seq;
        }
        why = later != 0 ? "record " + std::to_string(later) + " is stored after it (reordered)"
                         : "records " + std::to_string(before.seq + 1) + " to " + std::to_string(r.seq - 1) +
                               " are missing (removed)";
      } else {
        why = "it does not chain to record " + std::to_string(before.seq) + " (inserted, or the one before it replaced)";
      }
      return AuditBreak{i, r.seq, why};
    }
  }
  return std::nullopt;
}

}  // namespace orion
