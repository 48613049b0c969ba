// orionctl stats [--json]: tasks by state and priority, wait and run times per task type, agents
// with their load and performance, proposals by outcome and type, and the bottlenecks they show
// (cli/stats_report.h). The consensus part is null when no consensus service answers.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/stats_report.h"
#include "cli/support.h"

namespace orion::cli {
namespace {

void print_counts(const char* title, const Json& counts) {
  std::cout << title << ":";
  for (const auto& [name, n] : counts.items()) std::cout << " " << name << "=" << n.get<std::int64_t>();
  std::cout << "\n";
}

void print_report(const Json& r) {
  print_counts("tasks by state", r["tasks"]["by_state"]);
  print_counts("tasks by priority", r["tasks"]["by_priority"]);
  if (r["tasks"].contains("by_namespace")) {
    for (const auto& [ns, counts] : r["tasks"]["by_namespace"].items()) print_counts(("  namespace " + ns).c_str(), counts);
  }
  std::printf("%-24s %7s %10s %10s %10s %10s\n", "TYPE", "TASKS", "WAIT_P50", "WAIT_P95", "RUN_P50", "RUN_P95");
  for (const auto& t : r["task_types"]) {
    std::printf("%-24s %7lld %10.0f %10.0f %10.0f %10.0f\n", t["type"].get<std::string>().c_str(),
                static_cast<long long>(t["tasks"].get<std::int64_t>()), t["wait_p50_ms"].get<double>(),
                t["wait_p95_ms"].get<double>(), t["run_p50_ms"].get<double>(), t["run_p95_ms"].get<double>());
  }
  print_counts("agents by state", r["agents"]["by_state"]);
  for (const auto& a : r["agents"]["list"]) {
    std::printf("  %-20s %-5s load %lld/%lld success %.2f p95 %.0f ms\n", a["agent_id"].get<std::string>().c_str(),
                a["state"].get<std::string>().c_str(), static_cast<long long>(a["load"].get<std::int64_t>()),
                static_cast<long long>(a["capacity"].get<std::int64_t>()), a.value("success_rate", 1.0),
                a.value("p95_ms", 0.0));
  }
  if (r["proposals"].is_null()) {
    std::cout << "proposals: no consensus service answered\n";
  } else {
    print_counts("proposals by outcome", r["proposals"]["by_outcome"]);
    for (const auto& [kind, counts] : r["proposals"]["by_type"].items()) print_counts(("  " + kind).c_str(), counts);
  }
  std::cout << "bottlenecks:" << (r["bottlenecks"].empty() ? " none seen" : "") << "\n";
  for (const auto& b : r["bottlenecks"]) std::cout << "  " << b["kind"].get<std::string>() << ": " << b["message"].get<std::string>() << "\n";
}

}  // namespace

int cmd_stats(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("stats", "System statistics: tasks, wait and run times, agents, proposals, bottlenecks");
    o.add_options()("namespace", "the tasks of this namespace only", cxxopts::value<std::string>()->default_value(""));
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    auto client = make_client(args);
    StatsInputs in;
    auto agents = client.agents();
    if (!agents) return fail(agents.error());
    in.agents = std::move(*agents);
    auto perf = client.agent_stats();
    if (!perf) return fail(perf.error());
    in.perf = std::move(*perf);
    const auto ns = args["namespace"].as<std::string>();
    auto tasks = client.scheduler_stats(ns);
    if (!tasks) return fail(tasks.error());
    in.scheduler = std::move(*tasks);
    if (auto proposals = client.proposal_stats()) in.proposals = std::move(*proposals);
    Json report = stats_report(in);
    Json by_ns = Json::object();
    for (const auto& [name, counts] : in.scheduler.by_namespace) by_ns[name] = counts;
    report["tasks"]["by_namespace"] = std::move(by_ns);
    if (!ns.empty()) report["tasks"]["namespace"] = ns;
    if (args.count("json")) {
      std::cout << text(report) << "\n";
    } else {
      print_report(report);
    }
    return 0;
  });
}

}  // namespace orion::cli
