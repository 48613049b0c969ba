#include "common/cluster_messages.h"

#include "common/fields.h"

namespace orion {

namespace {

template <class T, class Fn>
Result<T> read_map(const Json& j, Fn&& fn) {
  if (!j.is_object()) return make_error(ErrorCode::INVALID_ARGUMENT, "must be a map");
  T out;
  Fields f(j);
  fn(f, out);
  if (!f.ok()) return f.error();
  return out;
}

Result<std::vector<ReplicaView>> read_replicas(const Json& b, const char* key) {
  std::vector<ReplicaView> out;
  if (!b.contains(key) || b[key].is_null()) return out;
  const Json& a = b[key];
  if (!a.is_array() || a.size() > kMaxReplicasListed) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::string("field '") + key + "': must be an array of at most 64 replicas");
  }
  for (const auto& j : a) {
    auto r = ReplicaView::from_json(j);
    if (!r) return make_error(ErrorCode::INVALID_ARGUMENT, std::string("field '") + key + "': " + r.error().message);
    out.push_back(std::move(*r));
  }
  return out;
}

Json replicas(const std::vector<ReplicaView>& v) {
  Json a = Json::array();
  for (const auto& r : v) a.push_back(r.to_json());
  return a;
}

}  // namespace

Json ReplicaView::to_json() const {
  return {{"id", id},
          {"role", role},
          {"term", term},
          {"commit_index", commit_index},
          {"applied_index", applied_index},
          {"endpoint", endpoint},
          {"endpoints", endpoints},
          {"last_seen_age_ms", last_seen_age_ms},
          {"leader", leader}};
}

Result<ReplicaView> ReplicaView::from_json(const Json& j) {
  return read_map<ReplicaView>(j, [](Fields& f, ReplicaView& r) {
    f.integer("id", r.id, Need::OPTIONAL, 0, INT64_MAX);
    f.str("role", r.role, Need::OPTIONAL);
    f.integer("term", r.term, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("commit_index", r.commit_index, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("applied_index", r.applied_index, Need::OPTIONAL, 0, INT64_MAX);
    f.str("endpoint", r.endpoint, Need::OPTIONAL);
    f.str_map("endpoints", r.endpoints, Need::OPTIONAL, 16);
    f.integer("last_seen_age_ms", r.last_seen_age_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.boolean("leader", r.leader, Need::OPTIONAL);
  });
}

Json ClusterInfo::to_body() const {
  return {{"registry", registry},       {"events_pub", events_pub}, {"events_sub", events_sub},
          {"instance", instance},       {"started_ms", started_ms}, {"agents_up", agents_up},
          {"scheduler", replicas(scheduler)}, {"consensus", replicas(consensus)}};
}

Result<ClusterInfo> ClusterInfo::from_body(const Json& b) {
  if (!b.is_object()) return make_error(ErrorCode::MALFORMED, "body is not a map");
  auto out = read_map<ClusterInfo>(b, [](Fields& f, ClusterInfo& c) {
    f.str("registry", c.registry, Need::REQUIRED);
    f.str("events_pub", c.events_pub, Need::OPTIONAL);
    f.str("events_sub", c.events_sub, Need::OPTIONAL);
    f.str("instance", c.instance, Need::OPTIONAL);
    f.integer("started_ms", c.started_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("agents_up", c.agents_up, Need::OPTIONAL, 0, INT64_MAX);
  });
  if (!out) return out;
  auto s = read_replicas(b, "scheduler");
  if (!s) return s.error();
  auto c = read_replicas(b, "consensus");
  if (!c) return c.error();
  out->scheduler = std::move(*s);
  out->consensus = std::move(*c);
  return out;
}

}  // namespace orion
