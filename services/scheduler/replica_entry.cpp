#include "services/scheduler/replica_entry.h"

#include <cstring>

namespace orion::scheduler {

namespace {

void put(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void put_bytes(std::string& out, std::string_view bytes) {
  put(out, bytes.size(), 4);
  out.append(bytes);
}

// Reads little-endian fields from a view; any read past the end fails the whole decode.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool uint(int bytes, std::uint64_t* v) {
    if (in_.size() - at_ < static_cast<std::size_t>(bytes)) return false;
    *v = 0;
    for (int i = 0; i < bytes; ++i) *v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in_[at_ + i])) << (8 * i);
    at_ += static_cast<std::size_t>(bytes);
    return true;
  }
  bool bytes(std::string_view* out) {
    std::uint64_t n = 0;
    if (!uint(4, &n) || n > in_.size() - at_) return false;
    *out = in_.substr(at_, n);
    at_ += n;
    return true;
  }
  bool done() const { return at_ == in_.size(); }
  std::size_t left() const { return in_.size() - at_; }

 private:
  std::string_view in_;
  std::size_t at_ = 0;
};

Error corrupt(const std::string& why) { return make_error(ErrorCode::INTERNAL, "replica entry: " + why); }

}  // namespace

std::string encode_replica_entry(const ReplicaEntry& e) {
  std::string out;
  std::size_t n = 19 + 4;
  for (const auto& [key, rec] : e.records.records) n += 12 + rec.size();
  out.reserve(n);
  out.append("OS");
  put(out, e.kind, 1);
  put(out, e.origin, 8);
  put(out, e.number, 8);
  if (e.kind == ReplicaEntry::HELLO) {
    put(out, e.hello.id, 8);
    put_bytes(out, e.hello.client);
    put_bytes(out, e.hello.agent);
    return out;
  }
  put(out, e.records.records.size(), 4);
  for (const auto& [key, rec] : e.records.records) {
    put(out, key, 8);
    put_bytes(out, rec);
  }
  return out;
}

Result<ReplicaEntry> decode_replica_header(std::string_view bytes) {
  if (bytes.size() < 2 || bytes.substr(0, 2) != "OS") return corrupt("no magic");
  Reader r(bytes.substr(2));
  ReplicaEntry e;
  std::uint64_t kind = 0;
  if (!r.uint(1, &kind) || !r.uint(8, &e.origin) || !r.uint(8, &e.number)) return corrupt("short header");
  if (kind != ReplicaEntry::RECORDS && kind != ReplicaEntry::HELLO) return corrupt("unknown kind " + std::to_string(kind));
  e.kind = static_cast<ReplicaEntry::Kind>(kind);
  return e;
}

Result<ReplicaEntry> decode_replica_entry(std::string_view bytes) {
  if (bytes.size() < 2 || bytes.substr(0, 2) != "OS") return corrupt("no magic");
  Reader r(bytes.substr(2));
  ReplicaEntry e;
  std::uint64_t kind = 0;
  if (!r.uint(1, &kind) || !r.uint(8, &e.origin) || !r.uint(8, &e.number)) return corrupt("short header");
  if (kind == ReplicaEntry::HELLO) {
    e.kind = ReplicaEntry::HELLO;
    std::string_view client, agent;
    if (!r.uint(8, &e.hello.id) || !r.bytes(&client) || !r.bytes(&agent) || !r.done()) return corrupt("bad hello");
    e.hello.client.assign(client);
    e.hello.agent.assign(agent);
    return e;
  }
  if (kind != ReplicaEntry::RECORDS) return corrupt("unknown kind " + std::to_string(kind));
  std::uint64_t count = 0;
  if (!r.uint(4, &count) || count > r.left() / 12) return corrupt("bad record count");
  e.records.records.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t key = 0;
    std::string_view rec;
    if (!r.uint(8, &key) || !r.bytes(&rec)) return corrupt("record " + std::to_string(i) + " does not fit");
    e.records.records.emplace_back(key, std::string(rec));
  }
  if (!r.done()) return corrupt("trailing bytes");
  return e;
}

std::string encode_snapshot_state(const std::vector<std::string>& entries) {
  std::string out;
  put(out, entries.size(), 4);
  for (const auto& e : entries) put_bytes(out, e);
  return out;
}

Result<std::vector<std::string_view>> decode_snapshot_state(std::string_view bytes) {
  Reader r(bytes);
  std::uint64_t count = 0;
  if (!r.uint(4, &count) || count > r.left() / 4) return corrupt("bad snapshot count");
  std::vector<std::string_view> out;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string_view e;
    if (!r.bytes(&e)) return corrupt("snapshot entry " + std::to_string(i) + " does not fit");
    out.push_back(e);
  }
  if (!r.done()) return corrupt("trailing snapshot bytes");
  return out;
}

namespace {
// Writes `v` over the 4 bytes at `at` (a length or a count that was not known when written).
void patch_u32(std::string& out, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 4; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
constexpr std::size_t kRecordsHeader = 4 + 2 + 1 + 8 + 8;  // u32 n | "OS" | kind | origin | number
}  // namespace

SnapshotStateWriter::SnapshotStateWriter(std::uint32_t entries, std::size_t reserve) : announced_(entries) {
  out_.reserve(reserve);
  put(out_, entries, 4);
}

void SnapshotStateWriter::entry(const ReplicaEntry& e) {
  end_records();
  put_bytes(out_, encode_replica_entry(e));
  ++written_;
}

void SnapshotStateWriter::begin_records(std::uint64_t origin, std::uint64_t number) {
  end_records();
  records_at_ = out_.size();
  put(out_, 0, 4);  // the entry's length, patched by end_records
  out_.append("OS");
  put(out_, ReplicaEntry::RECORDS, 1);
  put(out_, origin, 8);
  put(out_, number, 8);
  put(out_, 0, 4);  // the record count, patched likewise
  record_count_ = 0;
  ++written_;
}

void SnapshotStateWriter::record(std::uint64_t key, std::string_view bytes) {
  put(out_, key, 8);
  put_bytes(out_, bytes);
  ++record_count_;
}

void SnapshotStateWriter::end_records() {
  if (records_at_ == 0) return;
  const std::size_t length = out_.size() - records_at_ - 4;
  if (length > 0xFFFFFFFFu || record_count_ > 0xFFFFFFFFu) overflow_ = true;
  patch_u32(out_, records_at_, length);
  patch_u32(out_, records_at_ + kRecordsHeader, record_count_);
  records_at_ = 0;
}

Result<std::string> SnapshotStateWriter::finish() {
  end_records();
  if (written_ != announced_) {
    return corrupt("snapshot announced " + std::to_string(announced_) + " entries, wrote " + std::to_string(written_));
  }
  if (overflow_) return corrupt("a snapshot entry outgrew its 4-byte length");
  return std::move(out_);
}

}  // namespace orion::scheduler
