// NamespaceBook (namespace_book.h): SET_NAMESPACE, LIST_NAMESPACES, DELETE_NAMESPACE and their records.
#include "services/scheduler/namespace_book.h"

#include "common/codec.h"
#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {

Envelope NamespaceBook::handle(const Envelope& e) {
  auto answer = [&](MsgType type, auto&& result) {
    if (!result) return error_envelope(e.request_id, result.error());
    return Envelope{type, e.request_id, result->to_body()};
  };
  switch (e.type) {
    case MsgType::SET_NAMESPACE: {
      auto m = SetNamespace::from_body(e.body);
      if (!m) return error_envelope(e.request_id, m.error());
      return answer(MsgType::NAMESPACE_OK, set(*m));
    }
    case MsgType::LIST_NAMESPACES:
      return Envelope{MsgType::NAMESPACE_LIST, e.request_id, list().to_body()};
    case MsgType::DELETE_NAMESPACE: {
      auto m = DeleteNamespace::from_body(e.body);
      if (!m) return error_envelope(e.request_id, m.error());
      return answer(MsgType::NAMESPACE_OK, remove(m->ns));
    }
    default:
      return error_envelope(e.request_id, make_error(ErrorCode::UNKNOWN_TYPE, std::string(to_string(e.type)) +
                                                                                   " is not a namespace request"));
  }
}

Result<NamespaceOk> NamespaceBook::set(const SetNamespace& m) {
  if (auto s = check_namespace(m.ns, "namespace"); !s) return s.error();
  auto it = by_name_.find(m.ns);
  if (it == by_name_.end() && by_name_.size() >= kMaxNamespacesConfigured) {
    return make_error(ErrorCode::FAILED_PRECONDITION, std::to_string(kMaxNamespacesConfigured) +
                                                          " namespaces are configured already; delete one first");
  }
  if (auto s = core_.set_namespace(m.ns, {m.weight, m.on_exhausted == "park"}); !s) return s.error();
  std::uint64_t seq = it != by_name_.end() ? it->second : next_seq_++;
  by_name_[m.ns] = seq;
  by_seq_[seq] = m.ns;
  dirty_.insert(seq);
  return NamespaceOk{core_.namespace_view(m.ns)};
}

NamespaceList NamespaceBook::list() const {
  NamespaceList out;
  out.namespaces = core_.namespace_views(&out.more);
  return out;
}

Result<NamespaceOk> NamespaceBook::remove(const std::string& ns) {
  if (auto s = check_namespace(ns, "namespace"); !s) return s.error();
  auto it = by_name_.find(ns);
  if (it != by_name_.end()) {
    dirty_.insert(it->second);
    forget(it->second);
  }
  return NamespaceOk{core_.namespace_view(ns)};
}

void NamespaceBook::forget(std::uint64_t seq) {
  auto it = by_seq_.find(seq);
  if (it == by_seq_.end()) return;
  core_.reset_namespace(it->second);
  by_name_.erase(it->second);
  by_seq_.erase(it);
}

std::string NamespaceBook::encode(const std::string& ns) const {
  const auto& settings = core_.namespace_settings().at(ns);
  return encode_value(Json{{"n", ns}, {"w", settings.weight}, {"p", settings.park}});
}

Status NamespaceBook::apply_record(std::uint64_t seq, std::string_view bytes) {
  forget(seq);
  if (bytes.empty()) return {};
  auto corrupt = [&](const std::string& why) {
    return Status(make_error(ErrorCode::INTERNAL, "stored namespace " + std::to_string(seq) + " is corrupt: " + why));
  };
  auto j = decode_value(bytes.data(), bytes.size());
  if (!j) return corrupt(j.error().message);
  if (!j->is_object() || !j->contains("n") || !(*j)["n"].is_string() || !j->contains("w") ||
      !(*j)["w"].is_number() || !j->contains("p") || !(*j)["p"].is_boolean()) {
    return corrupt("not {n, w, p}");
  }
  const std::string ns = (*j)["n"].get<std::string>();
  if (auto old = by_name_.find(ns); old != by_name_.end()) forget(old->second);  // one record per name
  if (auto s = core_.set_namespace(ns, {(*j)["w"].get<double>(), (*j)["p"].get<bool>()}); !s) {
    return corrupt(s.error().message);
  }
  by_name_[ns] = seq;
  by_seq_[seq] = ns;
  next_seq_ = std::max(next_seq_, seq + 1);
  return {};
}

Status NamespaceBook::check_invariants() const {
  auto broken = [](const std::string& what) { return Status(make_error(ErrorCode::INTERNAL, what)); };
  if (by_name_.size() != by_seq_.size()) return broken("namespace book: the two indexes differ in size");
  for (const auto& [ns, seq] : by_name_) {
    auto it = by_seq_.find(seq);
    if (it == by_seq_.end() || it->second != ns) return broken("namespace book: " + ns + " is not indexed by its seq");
    if (seq >= next_seq_) return broken("namespace book: a seq at or past next_seq");
  }
  if (core_.namespace_settings().size() != by_name_.size()) {
    return broken("namespace book: the core holds settings of a namespace without a record");
  }
  for (const auto& [ns, s] : core_.namespace_settings()) {
    if (!by_name_.count(ns)) return broken("namespace book: settings of " + ns + " have no record");
  }
  return {};
}

}  // namespace orion::scheduler
