#include "services/scheduler/batch_record.h"

#include <cstring>

#include "common/msg_writer.h"
#include "common/msgpack_object.h"

namespace orion::scheduler {

namespace {
constexpr std::size_t kLengthBytes = 4;

std::int64_t as_int(const msgpack::object& o) {
  return o.type == msgpack::type::POSITIVE_INTEGER ? static_cast<std::int64_t>(o.via.u64) : o.via.i64;
}
bool is_int(const msgpack::object& o) {
  return o.type == msgpack::type::POSITIVE_INTEGER || o.type == msgpack::type::NEGATIVE_INTEGER;
}
}  // namespace

std::string encode_batch_record(const BatchIntake& intake, std::string body) {
  MsgWriter w;
  w.reserve(64 + intake.request_id.size() + 9 * intake.seqs.size());
  w.map(5);
  w.key("q"), w.str(intake.request_id);
  w.key("c"), w.integer(intake.created_ms);
  w.key("f"), w.integer(static_cast<std::int64_t>(intake.first));
  w.key("l"), w.integer(static_cast<std::int64_t>(intake.last));
  w.key("s"), w.array(intake.seqs.size());
  for (auto s : intake.seqs) w.integer(static_cast<std::int64_t>(s));
  const std::string& header = w.bytes();
  std::string out = std::move(body);
  out.reserve(out.size() + header.size() + kLengthBytes);
  out.append(header);
  auto n = static_cast<std::uint32_t>(header.size());
  for (std::size_t i = 0; i < kLengthBytes; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return out;
}

std::string pack_batch_answer(const std::vector<std::string>& keys, const BatchIntake& intake) {
  MsgWriter w;
  w.reserve(32 + 24 * keys.size());
  w.map(2);
  w.key("duplicate"), w.boolean(false);
  w.key("task_ids"), w.map(keys.size());
  std::string id = "t";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    id.resize(1);
    id += std::to_string(intake.seqs[i]);  // task_id_for, without a fresh string per task
    w.str(keys[i]), w.str(id);
  }
  return w.take();
}

Result<BatchRecord> decode_batch_record(std::string_view bytes) {
  auto corrupt = [](const std::string& why) {
    return make_error(ErrorCode::INTERNAL, "stored batch record is corrupt: " + why);
  };
  if (bytes.size() < kLengthBytes) return corrupt("shorter than its header length");
  const std::size_t tail = bytes.size() - kLengthBytes;
  std::uint32_t n = 0;
  for (std::size_t i = 0; i < kLengthBytes; ++i) {
    n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[tail + i])) << (8 * i);
  }
  if (n > tail) return corrupt("header longer than the record");
  auto handle = unpack_value(bytes.data() + (tail - n), n, default_limits());
  if (!handle) return corrupt(handle.error().message);
  const msgpack::object& h = handle->get();
  if (h.type != msgpack::type::MAP) return corrupt("header is not a map");
  BatchRecord r;
  bool have_first = false, have_last = false, have_seqs = false;
  for (std::uint32_t i = 0; i < h.via.map.size; ++i) {
    const auto& kv = h.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR || kv.key.via.str.size != 1) continue;
    const msgpack::object& v = kv.val;
    switch (kv.key.via.str.ptr[0]) {
      case 'q':
        if (v.type != msgpack::type::STR) return corrupt("request id is not a string");
        r.intake.request_id.assign(v.via.str.ptr, v.via.str.size);
        break;
      case 'c':
        if (!is_int(v)) return corrupt("created_ms is not an integer");
        r.intake.created_ms = as_int(v);
        break;
      case 'f':
        if (v.type != msgpack::type::POSITIVE_INTEGER) return corrupt("first seq is not a positive integer");
        r.intake.first = v.via.u64, have_first = true;
        break;
      case 'l':
        if (v.type != msgpack::type::POSITIVE_INTEGER) return corrupt("last seq is not a positive integer");
        r.intake.last = v.via.u64, have_last = true;
        break;
      case 's':
        if (v.type != msgpack::type::ARRAY) return corrupt("seqs are not an array");
        r.intake.seqs.reserve(v.via.array.size);
        for (std::uint32_t k = 0; k < v.via.array.size; ++k) {
          if (v.via.array.ptr[k].type != msgpack::type::POSITIVE_INTEGER) return corrupt("a seq is not a positive integer");
          r.intake.seqs.push_back(v.via.array.ptr[k].via.u64);
        }
        have_seqs = true;
        break;
      default:
        break;
    }
  }
  if (!have_first || !have_last || !have_seqs) return corrupt("header lacks f, l or s");
  auto batch = SubmitBatch::from_packed(bytes.substr(0, tail - n));
  if (!batch) return corrupt("body: " + batch.error().message);
  r.batch = std::move(*batch);
  return r;
}

std::string encode_batch_hits(const BatchHits& hits) {
  MsgWriter w;
  w.map(6);
  w.key("q"), w.str(hits.request_id);
  w.key("f"), w.integer(static_cast<std::int64_t>(hits.first));
  w.key("l"), w.integer(static_cast<std::int64_t>(hits.last));
  w.key("a"), w.integer(hits.accepted_ms);
  w.key("k"), w.array(hits.hits.size());
  for (const auto& h : hits.hits) w.str(h.first);
  w.key("s"), w.array(hits.hits.size());
  for (const auto& h : hits.hits) w.integer(static_cast<std::int64_t>(h.second));
  return w.take();
}

Result<BatchHits> decode_batch_hits(std::uint64_t id, std::string_view bytes) {
  auto corrupt = [&](const std::string& why) {
    return make_error(ErrorCode::INTERNAL, "stored batch hits " + std::to_string(id) + " are corrupt: " + why);
  };
  auto handle = unpack_value(bytes.data(), bytes.size(), default_limits());
  if (!handle) return corrupt(handle.error().message);
  const msgpack::object& h = handle->get();
  if (h.type != msgpack::type::MAP) return corrupt("not a map");
  BatchHits out;
  out.id = id;
  const msgpack::object* keys = nullptr;
  const msgpack::object* seqs = nullptr;
  bool have_request = false;
  for (std::uint32_t i = 0; i < h.via.map.size; ++i) {
    const auto& kv = h.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR || kv.key.via.str.size != 1) continue;
    switch (kv.key.via.str.ptr[0]) {
      case 'q':
        if (kv.val.type != msgpack::type::STR) return corrupt("request id is not a string");
        out.request_id.assign(kv.val.via.str.ptr, kv.val.via.str.size), have_request = true;
        break;
      case 'k':
        keys = &kv.val;
        break;
      case 's':
        seqs = &kv.val;
        break;
      case 'f':
      case 'l':
      case 'a': {
        if (kv.val.type != msgpack::type::POSITIVE_INTEGER) return corrupt("f, l or a is not a non-negative integer");
        const auto v = kv.val.via.u64;
        if (v >= (std::uint64_t{1} << 62)) return corrupt("f, l or a out of range");
        const char c = kv.key.via.str.ptr[0];
        if (c == 'f') out.first = v;
        else if (c == 'l') out.last = v;
        else out.accepted_ms = static_cast<std::int64_t>(v);
        break;
      }
      default:
        break;
    }
  }
  if (!have_request || !keys || !seqs) return corrupt("lacks q, k or s");
  if ((out.first == 0) != (out.last == 0) || out.last < out.first) return corrupt("f and l are not a span of seqs");
  if (keys->type != msgpack::type::ARRAY || seqs->type != msgpack::type::ARRAY ||
      keys->via.array.size != seqs->via.array.size) {
    return corrupt("keys and seqs are not arrays of one length");
  }
  out.hits.reserve(keys->via.array.size);
  for (std::uint32_t k = 0; k < keys->via.array.size; ++k) {
    const auto& key = keys->via.array.ptr[k];
    const auto& seq = seqs->via.array.ptr[k];
    if (key.type != msgpack::type::STR) return corrupt("a key is not a string");
    if (seq.type != msgpack::type::POSITIVE_INTEGER || seq.via.u64 == 0) return corrupt("a seq is not a positive integer");
    out.hits.emplace_back(std::string(key.via.str.ptr, key.via.str.size), seq.via.u64);
  }
  return out;
}

}  // namespace orion::scheduler
