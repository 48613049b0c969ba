#include "cli/cluster_report.h"

#include <map>
#include <utility>

#include <spdlog/fmt/fmt.h>

namespace orion::cli {

namespace {

// Merges one service's replicas as every registry that answered lists them.
Json merge_service(const std::vector<RegistryReply>& replies, std::vector<ReplicaView> ClusterInfo::*member) {
  std::map<std::pair<std::int64_t, std::string>, ReplicaView> freshest;  // (id, endpoint when no id)
  const ReplicaView* leader = nullptr;
  for (const auto& r : replies) {
    if (!r.info) continue;
    for (const auto& v : (*r.info).*member) {
      auto key = std::make_pair(v.id, v.id > 0 ? std::string() : v.endpoint);
      auto it = freshest.find(key);
      if (it == freshest.end() || v.last_seen_age_ms < it->second.last_seen_age_ms) freshest[key] = v;
      if (v.leader && (v.role == "leader" || v.role == "single") && (!leader || v.term > leader->term)) leader = &v;
    }
  }
  // The leader's figures as the registry that heard it last has them.
  if (leader) leader = &freshest.at(std::make_pair(leader->id, leader->id > 0 ? std::string() : leader->endpoint));
  Json out = Json::array();
  for (const auto& [key, v] : freshest) {
    Json lag = nullptr;
    if (leader) lag = std::max<std::int64_t>(0, leader->commit_index - v.applied_index);
    const bool is_leader = leader && v.id == leader->id && v.endpoint == leader->endpoint;
    out.push_back({{"id", v.id},
                   {"role", v.role},
                   {"term", v.term},
                   {"commit_index", v.commit_index},
                   {"applied_index", v.applied_index},
                   {"endpoint", v.endpoint},
                   {"lag", lag},
                   {"last_seen_age_ms", v.last_seen_age_ms},
                   {"leader", is_leader}});
  }
  return out;
}

std::string cell(const Json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "-";
  return j.dump();
}

}  // namespace

Json cluster_report(const std::vector<RegistryReply>& replies) {
  Json registries = Json::array();
  for (const auto& r : replies) {
    Json row = {{"endpoint", r.endpoint}, {"up", r.info.ok()}};
    if (r.info) {
      row["instance"] = r.info->instance;
      row["events_pub"] = r.info->events_pub;
      row["events_sub"] = r.info->events_sub;
      row["agents_up"] = r.info->agents_up;
      row["started_ms"] = r.info->started_ms;
    } else {
      row["error"] = r.info.error().to_string();
    }
    registries.push_back(std::move(row));
  }
  return {{"registries", registries},
          {"scheduler", merge_service(replies, &ClusterInfo::scheduler)},
          {"consensus", merge_service(replies, &ClusterInfo::consensus)}};
}

std::string cluster_table(const Json& report) {
  std::string out = fmt::format("{:<32} {:<5} {:<7} {}\n", "REGISTRY", "UP", "AGENTS", "BUS (pub / sub)");
  for (const auto& r : report["registries"]) {
    out += fmt::format("{:<32} {:<5} {:<7} {}\n", cell(r["endpoint"]), r["up"].get<bool>() ? "yes" : "no",
                       r.contains("agents_up") ? cell(r["agents_up"]) : "-",
                       r["up"].get<bool>() ? cell(r["events_pub"]) + " / " + cell(r["events_sub"]) : cell(r["error"]));
  }
  for (const char* service : {"scheduler", "consensus"}) {
    out += fmt::format("\n{:<10} {:<4} {:<12} {:<6} {:<8} {:<8} {:<5} {:<8} {}\n", "SERVICE", "ID", "ROLE", "TERM",
                       "COMMIT", "APPLIED", "LAG", "SEEN_MS", "ENDPOINT");
    if (report[service].empty()) out += fmt::format("{:<10} (no live replica announced)\n", service);
    for (const auto& v : report[service]) {
      std::string role = cell(v["role"]) + (v["leader"].get<bool>() ? "*" : "");
      out += fmt::format("{:<10} {:<4} {:<12} {:<6} {:<8} {:<8} {:<5} {:<8} {}\n", service, cell(v["id"]), role,
                         cell(v["term"]), cell(v["commit_index"]), cell(v["applied_index"]), cell(v["lag"]),
                         cell(v["last_seen_age_ms"]), cell(v["endpoint"]));
    }
  }
  return out;
}

}  // namespace orion::cli
