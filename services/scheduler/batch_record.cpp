#include "services/scheduler/batch_record.h"

#include <cstring>

#include "common/msg_writer.h"
#include "common/msgpack_object.h"
#include "common/object_fields.h"

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

namespace {
Error corrupt_record(const std::string& why) {
  return make_error(ErrorCode::INTERNAL, "stored batch record is corrupt: " + why);
}

// The header into `intake`; the size of the body before it.
Result<std::size_t> read_header(std::string_view bytes, BatchIntake& intake) {
  const auto corrupt = corrupt_record;
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
  bool have_first = false, have_last = false, have_seqs = false;
  for (std::uint32_t i = 0; i < h.via.map.size; ++i) {
    const auto& kv = h.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR || kv.key.via.str.size != 1) continue;
    const msgpack::object& v = kv.val;
    switch (kv.key.via.str.ptr[0]) {
      case 'q':
        if (v.type != msgpack::type::STR) return corrupt("request id is not a string");
        intake.request_id.assign(v.via.str.ptr, v.via.str.size);
        break;
      case 'c':
        if (!is_int(v)) return corrupt("created_ms is not an integer");
        intake.created_ms = as_int(v);
        break;
      case 'f':
        if (v.type != msgpack::type::POSITIVE_INTEGER) return corrupt("first seq is not a positive integer");
        intake.first = v.via.u64, have_first = true;
        break;
      case 'l':
        if (v.type != msgpack::type::POSITIVE_INTEGER) return corrupt("last seq is not a positive integer");
        intake.last = v.via.u64, have_last = true;
        break;
      case 's':
        if (v.type != msgpack::type::ARRAY) return corrupt("seqs are not an array");
        intake.seqs.clear();
        intake.seqs.reserve(v.via.array.size);
        for (std::uint32_t k = 0; k < v.via.array.size; ++k) {
          if (v.via.array.ptr[k].type != msgpack::type::POSITIVE_INTEGER) return corrupt("a seq is not a positive integer");
          intake.seqs.push_back(v.via.array.ptr[k].via.u64);
        }
        have_seqs = true;
        break;
      default:
        break;
    }
  }
  if (!have_first || !have_last || !have_seqs) return corrupt("header lacks f, l or s");
  return tail - n;
}
}  // namespace

Result<BatchRecord> decode_batch_record(std::string_view bytes) {
  BatchRecord r;
  auto body_size = read_header(bytes, r.intake);
  if (!body_size) return body_size.error();
  auto batch = SubmitBatch::from_packed(bytes.substr(0, *body_size));
  if (!batch) return corrupt_record("body: " + batch.error().message);
  r.batch = std::move(*batch);
  return r;
}

Result<std::unique_ptr<StoredBatch>> StoredBatch::read(std::string_view bytes) {
  std::unique_ptr<StoredBatch> out(new StoredBatch());
  auto body_size = read_header(bytes, out->intake_);
  if (!body_size) return body_size.error();
  auto handle = packed::unpack_map_body(bytes.substr(0, *body_size), /*borrow=*/true);  // `bytes` outlives it
  if (!handle) return corrupt_record("body: " + handle.error().message);
  out->body_ = std::move(*handle);
  static const char* const kTop[] = {"tasks"};
  packed::FieldSet<1> top(kTop, out->body_.get());
  const msgpack::object* a = top.value[0];
  if (!a || a->type != msgpack::type::ARRAY || a->via.array.size == 0 || a->via.array.size > kMaxBatchTasks) {
    return corrupt_record("body: field 'tasks' is not an array of 1 to " + std::to_string(kMaxBatchTasks) + " entries");
  }
  out->entries_.reserve(a->via.array.size);
  static const char* const kEntry[] = {"key", "task"};
  static const char* const kDepends[] = {"depends_on"};
  for (std::uint32_t i = 0; i < a->via.array.size; ++i) {
    const msgpack::object& item = a->via.array.ptr[i];
    auto bad = [&](const char* why) { return corrupt_record("body: tasks[" + std::to_string(i) + "]: " + why); };
    if (item.type != msgpack::type::MAP) return bad("not a map");
    packed::FieldSet<2> f(kEntry, item);
    if (!f.given(0) || f.value[0]->type != msgpack::type::STR || f.value[0]->via.str.size == 0 ||
        f.value[0]->via.str.size > kMaxNameBytes) {
      return bad("no key");
    }
    if (!f.given(1) || f.value[1]->type != msgpack::type::MAP) return bad("no task");
    Entry& e = out->entries_.emplace_back();
    e.key = packed::text(*f.value[0]);
    e.task = f.value[1];
    packed::FieldSet<1> d(kDepends, *e.task);
    if (d.given(0)) {
      const msgpack::object& deps = *d.value[0];
      if (deps.type != msgpack::type::ARRAY) return bad("depends_on is not an array");
      for (std::uint32_t k = 0; k < deps.via.array.size; ++k) {
        if (deps.via.array.ptr[k].type != msgpack::type::STR) return bad("depends_on is not an array of strings");
      }
      if (deps.via.array.size > 0) e.depends_on = &deps, out->has_dependencies_ = true;
    }
  }
  return out;
}

std::size_t StoredBatch::dependency_count(std::size_t i) const {
  return entries_[i].depends_on ? entries_[i].depends_on->via.array.size : 0;
}

std::string_view StoredBatch::dependency(std::size_t i, std::size_t k) const {
  return packed::text(entries_[i].depends_on->via.array.ptr[k]);
}

Status StoredBatch::read_spec(std::size_t i, TaskSpec& spec) {
  auto s = TaskSpec::from_object(*entries_[i].task);
  if (!s) return corrupt_record("body: tasks[" + std::to_string(i) + "]: " + s.error().message);
  spec = std::move(*s);
  return {};
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
