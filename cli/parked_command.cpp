// orionctl parked: the dead letters, tasks PARKED once their retries were spent (their spec said
// on_exhausted park; docs/protocol.md section 8.2).
//
//   orionctl parked list [--type T] [--json]
//   orionctl parked retry t12 t13 | --type T [--json]       queued again, a fresh retry budget
//   orionctl parked discard t12 | --type T [--reason R] [--json]   CANCELLED (dependants FAILED)
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/support.h"

namespace orion::cli {

namespace {

constexpr const char* kParkedUsage = R"(usage: orionctl parked list [--type T]... [--limit 100] [--after ID] [--json]
       orionctl parked retry ID... | --type T [--json]
       orionctl parked discard ID... | --type T [--reason R] [--json]
Tasks whose retries are spent wait PARKED when their spec says on_exhausted park. retry queues them
again (failures reset to 0, a full retry budget); discard ends them CANCELLED (their dependants
FAILED). By ids (each must be PARKED, else nothing changes) or every parked task of a type.
)";

int list(int argc, char** argv) {
  auto o = base_options("parked list", "List the PARKED tasks, their failures and last error");
  o.add_options()("type", "task type (repeatable)", cxxopts::value<std::vector<std::string>>())(
      "limit", "at most this many, 1..10000", cxxopts::value<std::int64_t>()->default_value("100"))(
      "after", "list the tasks after this id (the 'next' of the previous page)",
      cxxopts::value<std::string>()->default_value(""))(
      "namespace", "only tasks of this namespace", cxxopts::value<std::string>()->default_value(""));
  cxxopts::ParseResult args;
  if (!parse(o, argc, argv, args)) return 0;
  ListTasks q;
  q.ns = args["namespace"].as<std::string>();
  q.states = {TaskState::PARKED};
  q.types = strings(args, "type");
  q.limit = args["limit"].as<std::int64_t>();
  if (q.limit < 1 || q.limit > 10'000) throw UsageError("--limit must be in 1..10000");
  q.after = args["after"].as<std::string>();
  auto client = make_client(args);
  auto r = client.list(q);
  if (!r) return fail(r.error());
  if (args.count("json")) {
    std::cout << text(task_page_json(*r)) << "\n";
    return 0;
  }
  std::printf("%-12s %-12s %-8s %-7s %s\n", "ID", "TYPE", "FAILURES", "ATTEMPT", "LAST ERROR");
  for (const auto& v : r->tasks) {
    std::string error = v.error.substr(0, 120);
    for (auto& c : error) c = c == '\n' ? ' ' : c;
    std::printf("%-12s %-12s %-8lld %-7lld %s\n", v.task_id.c_str(), v.spec.type.c_str(),
                static_cast<long long>(v.failures), static_cast<long long>(v.attempt), error.c_str());
  }
  if (!r->next.empty()) std::printf("# more: orionctl parked list --after %s\n", r->next.c_str());
  return 0;
}

// retry and discard: ids as positionals, or --type.
int act(int argc, char** argv, bool retry) {
  auto o = base_options(retry ? "parked retry" : "parked discard",
                        retry ? "Queue PARKED tasks again with a fresh retry budget"
                              : "End PARKED tasks CANCELLED (their dependants end FAILED)");
  o.add_options()("ids", "task ids", cxxopts::value<std::vector<std::string>>())(
      "type", "every parked task of this type instead", cxxopts::value<std::string>()->default_value(""));
  if (!retry) o.add_options()("reason", "why, kept in each task's error", cxxopts::value<std::string>()->default_value(""));
  o.parse_positional({"ids"});
  cxxopts::ParseResult args;
  if (!parse(o, argc, argv, args)) return 0;
  const auto ids = strings(args, "ids");
  const auto type = args["type"].as<std::string>();
  if (ids.empty() == type.empty()) throw UsageError("give task ids or --type, not both");
  auto client = make_client(args);
  std::int64_t count = 0;
  std::vector<std::string> done, also_ended;
  bool more = false;
  if (retry) {
    auto r = client.retry_parked(ids, type);
    if (!r) return fail(r.error());
    count = r->count, done = r->task_ids, more = r->more;
  } else {
    auto r = client.discard_parked(ids, type, args["reason"].as<std::string>());
    if (!r) return fail(r.error());
    count = r->count, done = r->task_ids, more = r->more, also_ended = r->also_ended;
  }
  if (args.count("json")) {
    Json j = {{"count", count}, {"task_ids", done}, {"more", more}};
    if (!retry) j["also_ended"] = also_ended;
    std::cout << text(j) << "\n";
    return 0;
  }
  std::cout << (retry ? "retried " : "discarded ") << count << (count == 1 ? " task" : " tasks") << "\n";
  for (const auto& id : done) std::cout << "  " << id << (retry ? " PENDING" : " CANCELLED") << "\n";
  for (const auto& id : also_ended) std::cout << "  also ended: " << id << "\n";
  if (more) std::cout << "# more parked tasks of type " << type << " are left: run it again\n";
  return 0;
}

}  // namespace

int cmd_parked(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kParkedUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string sub = argv[1];
  return guarded([&] {
    if (sub == "list") return list(argc - 1, argv + 1);
    if (sub == "retry") return act(argc - 1, argv + 1, true);
    if (sub == "discard") return act(argc - 1, argv + 1, false);
    throw UsageError("unknown parked subcommand '" + sub + "'\n" + kParkedUsage);
  });
}

}  // namespace orion::cli
