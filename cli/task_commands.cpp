// orionctl's commands that act on tasks already submitted: cancel, reprioritize, list.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/support.h"

namespace orion::cli {

int cmd_cancel(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("cancel", "Cancel a task and, with it, every task that depends on it");
    o.add_options()("id", "task id", cxxopts::value<std::string>())(
        "reason", "why, kept in the task's error", cxxopts::value<std::string>()->default_value(""));
    o.parse_positional({"id"});
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    auto id = positional_id(args, "task id");
    auto client = make_client(args);
    auto r = client.cancel(id, args["reason"].as<std::string>());
    if (!r) return fail(r.error());
    if (args.count("json")) {
      std::cout << text(Json{{"task_id", r->task_id},
                             {"state", std::string(to_string(r->state))},
                             {"also_ended", r->also_ended}})
                << "\n";
      return 0;
    }
    std::cout << r->task_id << " " << to_string(r->state) << "\n";
    for (const auto& d : r->also_ended) std::cout << "  also ended: " << d << "\n";
    return 0;
  });
}

int cmd_drain(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("drain", "Give an agent no new task; it finishes what it runs, then leaves");
    o.add_options()("id", "agent id", cxxopts::value<std::string>());
    o.parse_positional({"id"});
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    auto id = positional_id(args, "agent id");
    auto client = make_client(args);
    auto r = client.drain(id);
    if (!r) return fail(r.error());
    if (args.count("json")) {
      std::cout << text(Json{{"agent_id", r->agent_id}, {"draining", true}, {"running", r->running}}) << "\n";
      return 0;
    }
    std::cout << r->agent_id << " DRAINING, " << r->running << " task(s) still running\n";
    return 0;
  });
}

int cmd_reprioritize(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("reprioritize", "Change the priority of a task that has not started");
    o.add_options()("id", "task id", cxxopts::value<std::string>())(
        "priority", "low|normal|high|critical|urgent", cxxopts::value<std::string>());
    o.parse_positional({"id"});
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    auto id = positional_id(args, "task id");
    if (!args.count("priority")) throw UsageError("--priority is required");
    auto p = priority_from_string(args["priority"].as<std::string>());
    if (!p) throw UsageError("--priority must be one of low, normal, high, critical, urgent");
    auto client = make_client(args);
    auto r = client.reprioritize(id, *p);
    if (!r) return fail(r.error());
    if (args.count("json")) {
      std::cout << text(Json{{"task_id", r->task_id},
                             {"priority", std::string(to_string(r->priority))},
                             {"effective_priority", std::string(to_string(r->effective_priority))}})
                << "\n";
      return 0;
    }
    std::cout << r->task_id << " priority " << to_string(r->priority);
    if (r->effective_priority != Priority::UNKNOWN && r->effective_priority != r->priority) {
      std::cout << " (effective " << to_string(r->effective_priority) << ")";
    }
    std::cout << "\n";
    return 0;
  });
}

namespace {

ListTasks query_from_flags(const cxxopts::ParseResult& args) {
  ListTasks q;
  for (const auto& s : strings(args, "state")) {
    auto st = task_state_from_string(s);
    if (!st) throw UsageError("--state '" + s + "' is not a state (PENDING, ASSIGNED, RUNNING, COMPLETED, ...)");
    q.states.push_back(*st);
  }
  q.types = strings(args, "type");
  for (const auto& s : strings(args, "priority")) {
    auto p = priority_from_string(s);
    if (!p) throw UsageError("--priority '" + s + "' is not one of low, normal, high, critical, urgent");
    q.priorities.push_back(*p);
  }
  q.limit = args["limit"].as<std::int64_t>();
  if (q.limit < 1 || q.limit > 10'000) throw UsageError("--limit must be in 1..10000");
  q.after = args["after"].as<std::string>();
  q.ns = args["namespace"].as<std::string>();
  return q;
}

}  // namespace

int cmd_list(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("list", "List tasks in id order, filtered (filters of one kind are ORed, kinds ANDed)");
    o.add_options()("state", "PENDING|ASSIGNED|RUNNING|COMPLETED|FAILED|CANCELLED|TIMEOUT|PARKED (repeatable)",
                    cxxopts::value<std::vector<std::string>>())(
        "type", "task type (repeatable)", cxxopts::value<std::vector<std::string>>())(
        "priority", "low|normal|high|critical|urgent (repeatable)", cxxopts::value<std::vector<std::string>>())(
        "limit", "at most this many, 1..10000", cxxopts::value<std::int64_t>()->default_value("100"))(
        "after", "list the tasks after this id (the 'next' of the previous page)",
        cxxopts::value<std::string>()->default_value(""))(
        "namespace", "only tasks of this namespace", cxxopts::value<std::string>()->default_value(""));
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    ListTasks q = query_from_flags(args);
    auto client = make_client(args);
    auto r = client.list(q);
    if (!r) return fail(r.error());
    if (args.count("json")) {
      std::cout << text(task_page_json(*r)) << "\n";
      return 0;
    }
    std::printf("%-12s %-9s %-8s %-12s %-16s %-7s %s\n", "ID", "STATE", "PRIORITY", "TYPE", "AGENT", "ATTEMPT",
                "NAME");
    for (const auto& v : r->tasks) {
      std::printf("%-12s %-9s %-8s %-12s %-16s %-7lld %s\n", v.task_id.c_str(), std::string(to_string(v.state)).c_str(),
                  std::string(to_string(v.spec.priority)).c_str(), v.spec.type.c_str(),
                  v.assigned_agent.empty() ? "-" : v.assigned_agent.c_str(), static_cast<long long>(v.attempt),
                  v.spec.name.c_str());
    }
    if (!r->next.empty()) std::printf("# more: orionctl list --after %s\n", r->next.c_str());
    return 0;
  });
}

}  // namespace orion::cli
