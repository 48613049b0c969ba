#include "cli/batch_file.h"

#include <cctype>
#include <cmath>
#include <set>

#include "cli/human.h"
#include "common/config.h"
#include "common/namespace_messages.h"

namespace orion::cli {

namespace {

// The first problem in one entry; `where` names the entry, `field` the field.
struct EntryError {
  std::string field, why;
};

class EntryReader {
 public:
  explicit EntryReader(const Json& obj) : obj_(obj) {}

  bool ok() const { return !error_; }
  const EntryError& error() const { return *error_; }

  const Json* get(const char* key) {
    if (error_) return nullptr;
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  void fail(const std::string& field, const std::string& why) {
    if (!error_) error_ = EntryError{field, why};
  }

  void str(const char* key, std::string& out, bool required = false) {
    const Json* v = get(key);
    if (!v) {
      if (required && !error_) fail(key, "is required");
      return;
    }
    if (!v->is_string()) return fail(key, "must be a string");
    out = v->get<std::string>();
    if (required && out.empty()) fail(key, "must not be empty");
  }

  void str_list(const char* key, std::vector<std::string>& out) {
    const Json* v = get(key);
    if (!v) return;
    if (v->is_string()) {  // one item may be written without brackets
      out = {v->get<std::string>()};
      return;
    }
    if (!v->is_array()) return fail(key, "must be an array of strings");
    std::vector<std::string> items;
    for (std::size_t i = 0; i < v->size(); ++i) {
      const Json& item = (*v)[i];
      if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
        return fail(std::string(key) + "[" + std::to_string(i) + "]", "must be a non-empty string");
      }
      items.push_back(item.get<std::string>());
    }
    out = std::move(items);
  }

  void integer(const char* key, std::int64_t& out, std::int64_t lo, std::int64_t hi) {
    const Json* v = get(key);
    if (!v) return;
    if (!v->is_number_integer()) return fail(key, "must be an integer");
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) {
      return fail(key, "must be in " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    auto x = v->get<std::int64_t>();
    if (x < lo || x > hi) return fail(key, "must be in " + std::to_string(lo) + ".." + std::to_string(hi));
    out = x;
  }

  // A duration with its unit ("30s", "500ms", "5m") or a number of seconds, into milliseconds.
  void seconds(const std::string& field, const Json* v, std::int64_t& out_ms) {
    if (!v) return;
    auto ms = file_duration_ms(*v);
    if (!ms) return fail(field, kDurationForms);
    out_ms = *ms;
  }
  void seconds(const char* key, std::int64_t& out_ms) { seconds(key, get(key), out_ms); }

 private:
  const Json& obj_;
  std::optional<EntryError> error_;
};

const std::set<std::string>& known_fields() {
  static const std::set<std::string> k = {"name",     "type",       "capabilities", "priority",
                                          "timeout", "retries",    "input",    "metadata",     "depends_on",
                                          "prefer",  "exclude",    "backoff",  "idempotency_key",
                                          "unschedulable_timeout", "delay", "not_before", "on_exhausted",
                                          "limit_keys", "namespace"};
  return k;
}

// `delay` (a duration, at most 366 days), `not_before` (an ISO-8601 time with its zone) and
// `on_exhausted` ("fail" or "park"); `namespace` too.
void read_delay(EntryReader& r, TaskSpec& spec) {
  if (const Json* v = r.get("delay")) {
    std::optional<std::int64_t> ms;
    if (v->is_string()) {
      if (auto d = parse_duration_ms("delay", v->get<std::string>(), 0, kMaxDelayMs)) ms = *d;
    } else if (v->is_number() && std::isfinite(v->get<double>()) && v->get<double>() >= 0 &&
               v->get<double>() * 1000 <= static_cast<double>(kMaxDelayMs)) {
      ms = static_cast<std::int64_t>(std::llround(v->get<double>() * 1000));
    }
    if (!ms) return r.fail("delay", "must be a duration with its unit (30s, 10m, 2h, 3d) or a number of seconds, at most 366 days");
    spec.delay_ms = *ms;
  }
  if (const Json* v = r.get("not_before")) {
    std::optional<std::int64_t> at;
    if (v->is_string()) at = parse_iso_time_ms(v->get<std::string>());
    if (!at) return r.fail("not_before", "must be an ISO-8601 time with its zone (2026-12-06T10:00:00Z)");
    spec.not_before_ms = *at;
  }
  if (spec.delay_ms != 0 && spec.not_before_ms != 0) return r.fail("delay", "give it or not_before, not both");
  std::string on_exhausted;
  r.str("on_exhausted", on_exhausted);
  if (!on_exhausted.empty()) {
    auto park = on_exhausted_from(on_exhausted);
    if (!park) return r.fail("on_exhausted", "must be fail or park");
    spec.on_exhausted = *park ? "park" : "fail";
  }
  if (r.get("namespace")) {
    r.str("namespace", spec.ns);
    if (!valid_namespace(spec.ns)) return r.fail("namespace", "must be 1..64 letters, digits, '_', '-' or '.'");
  }
}

void read_priority(EntryReader& r, TaskSpec& spec) {
  const Json* v = r.get("priority");
  if (!v) return;
  std::optional<Priority> p;
  if (v->is_string()) {
    p = priority_from_string(v->get<std::string>());
  } else if (v->is_number_integer() && v->get<std::int64_t>() >= 1 && v->get<std::int64_t>() <= 5) {
    p = static_cast<Priority>(v->get<std::int64_t>());
  }
  if (!p || !is_valid(*p)) return r.fail("priority", "must be low, normal, high, critical, urgent or 1..5");
  spec.priority = *p;
}

void read_backoff(EntryReader& r, TaskSpec& spec) {
  const Json* v = r.get("backoff");
  if (!v) return;
  if (v->is_string()) {
    auto kind = backoff_from_string(v->get<std::string>());
    if (!kind) return r.fail("backoff", "must be \"fixed\" or \"exponential\"");
    spec.retry.kind = *kind;
    return;
  }
  if (!v->is_object()) return r.fail("backoff", "must be \"fixed\", \"exponential\" or an object");
  static const std::set<std::string> known = {"kind", "initial", "max", "multiplier", "jitter"};
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!known.count(it.key())) return r.fail("backoff." + it.key(), "is not a known field");
  }
  if (v->contains("kind")) {
    const Json& k = (*v)["kind"];
    auto kind = k.is_string() ? backoff_from_string(k.get<std::string>()) : std::nullopt;
    if (!kind) return r.fail("backoff.kind", "must be \"fixed\" or \"exponential\"");
    spec.retry.kind = *kind;
  }
  if (v->contains("initial")) r.seconds("backoff.initial", &(*v)["initial"], spec.retry.initial_ms);
  if (v->contains("max")) r.seconds("backoff.max", &(*v)["max"], spec.retry.max_ms);
  if (v->contains("multiplier")) {
    const Json& m = (*v)["multiplier"];
    if (!m.is_number() || !(m.get<double>() >= 1.0 && m.get<double>() <= 10.0)) {
      return r.fail("backoff.multiplier", "must be a number in 1..10");
    }
    spec.retry.multiplier = m.get<double>();
  }
  if (v->contains("jitter")) {
    const Json& j = (*v)["jitter"];
    if (!j.is_number() || !(j.get<double>() >= 0.0 && j.get<double>() <= 1.0)) {
      return r.fail("backoff.jitter", "must be a number in 0..1");
    }
    spec.retry.jitter = j.get<double>();
  }
  if (r.ok() && spec.retry.max_ms < spec.retry.initial_ms) r.fail("backoff.max", "must not be less than initial");
}

// One entry into `out`; false with `err` set on the first bad field.
bool read_entry(const Json& item, BatchEntry& out, EntryError& err) {
  if (auto e = read_task_fields(item, out.spec, {"key"})) {
    err = {e->first, e->second};
    return false;
  }
  EntryReader r(item);
  r.str("key", out.key, true);
  if (!r.ok()) {
    err = r.error();
    return false;
  }
  return true;
}

}  // namespace

std::optional<std::pair<std::string, std::string>> read_task_fields(const Json& item, TaskSpec& s,
                                                                    const std::set<std::string>& also_known) {
  if (!item.is_object()) return std::make_pair(std::string(), std::string("must be a JSON object"));
  for (auto it = item.begin(); it != item.end(); ++it) {
    if (!known_fields().count(it.key()) && !also_known.count(it.key())) {
      return std::make_pair(it.key(), std::string("is not a known field"));
    }
  }
  EntryReader r(item);
  r.str("type", s.type, true);
  r.str("name", s.name);
  r.str_list("capabilities", s.capabilities);
  read_priority(r, s);
  r.seconds("timeout", s.timeout_ms);
  r.integer("retries", s.retries, 0, kMaxRetries);
  if (const Json* v = r.get("input")) s.input = *v;
  if (const Json* v = r.get("metadata")) {
    if (!v->is_object()) r.fail("metadata", "must be a JSON object");
    else s.metadata = *v;
  }
  r.str_list("depends_on", s.depends_on);
  r.str_list("prefer", s.preferred_agents);
  r.str_list("exclude", s.excluded_agents);
  r.str_list("limit_keys", s.limit_keys);
  read_backoff(r, s);
  r.str("idempotency_key", s.idempotency_key);
  r.seconds("unschedulable_timeout", s.unschedulable_timeout_ms);
  read_delay(r, s);
  if (!r.ok()) return std::make_pair(r.error().field, r.error().why);
  return std::nullopt;
}

std::optional<std::int64_t> seconds_to_ms(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds * 1000 > static_cast<double>(kMaxTimeoutMs)) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(std::llround(seconds * 1000));
}

std::optional<std::int64_t> file_duration_ms(const Json& v) {
  if (v.is_number()) return seconds_to_ms(v.get<double>());
  if (!v.is_string()) return std::nullopt;
  auto ms = parse_duration_ms("duration", v.get<std::string>(), 0, kMaxTimeoutMs);
  if (!ms) return std::nullopt;
  return *ms;
}

std::optional<BackoffKind> backoff_from_string(const std::string& name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "fixed") return BackoffKind::FIXED;
  if (lower == "exponential") return BackoffKind::EXPONENTIAL;
  return std::nullopt;
}

Result<std::vector<BatchEntry>> parse_batch(const std::string& text) {
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const std::exception& e) {
    std::string what = e.what();
    return make_error(ErrorCode::INVALID_ARGUMENT, "batch file is not valid JSON: " + what);
  }
  if (!doc.is_array()) return make_error(ErrorCode::INVALID_ARGUMENT, "batch file must be a JSON array of tasks");
  if (doc.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "batch file has no tasks");
  if (doc.size() > kMaxBatchTasks) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "batch file has " + std::to_string(doc.size()) + " tasks, more than " +
                          std::to_string(kMaxBatchTasks));
  }
  std::vector<BatchEntry> out;
  out.reserve(doc.size());
  std::set<std::string> keys;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    BatchEntry e;
    EntryError err;
    bool good = read_entry(doc[i], e, err);
    std::string where = "entry " + std::to_string(i);
    // Name the key when the entry has a readable one, even if its error is elsewhere.
    if (doc[i].is_object() && doc[i].contains("key") && doc[i]["key"].is_string()) {
      where += " (key '" + doc[i]["key"].get<std::string>() + "')";
    }
    if (good && !keys.insert(e.key).second) good = false, err = {"key", "is used by an earlier entry"};
    if (!good) {
      return make_error(ErrorCode::INVALID_ARGUMENT,
                        where + ": " + (err.field.empty() ? "" : "field '" + err.field + "': ") + err.why);
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace orion::cli
