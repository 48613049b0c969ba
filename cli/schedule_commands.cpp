// orionctl schedule create|list|pause|resume|delete|trigger: tasks and workflows fired on a cron
// expression or every interval (docs/protocol.md section 17).
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/human.h"
#include "cli/support.h"
#include "cli/workflow_file.h"

namespace orion::cli {

namespace {

constexpr const char* kScheduleUsage = R"(usage: orionctl schedule SUBCOMMAND [options]

  create NAME    --cron EXPR [--tz ZONE] | --every DURATION [--start-ms MS]
                 and --type T [--cap C ...] [--input JSON] [--priority P] [--timeout D] | --task JSON | --workflow FILE
                 [--overlap skip|queue_one|allow] [--catchup none|last|all] [--catchup-window D] [--id ID] [--paused]
  list           every schedule, its next and last tick
  pause ID       stop firing on its ticks
  resume ID      fire again from its next tick
  delete ID      remove it (what it fired stays)
  trigger ID     fire it now, outside its ticks

Each takes --registry and --json; 'orionctl schedule SUBCOMMAND --help' lists its options.
)";

Json schedule_json(const ScheduleView& v) {
  Json j = v.to_json();
  return j;
}

std::string when(std::int64_t ms) { return ms > 0 ? local_time(ms) : std::string("-"); }

void print_schedule(const ScheduleView& v) {
  const ScheduleSpec& s = v.spec;
  const std::string clock = s.interval_ms > 0 ? "every " + std::to_string(s.interval_ms) + "ms"
                                              : "cron \"" + s.cron + "\" " + s.time_zone;
  std::cout << v.schedule_id << " " << s.name << " " << v.state << " " << clock << "\n"
            << "  fires " << (s.task ? "task " + s.task->type : "workflow " + (s.workflow ? s.workflow->name : std::string())) << "; overlap "
            << s.overlap << ", catch-up " << s.catchup << "\n"
            << "  next " << when(v.next_fire_ms) << "  last tick " << when(v.last_tick_ms) << "  last fired "
            << (v.last_fired_id.empty() ? "-" : v.last_fired_id) << "  fired " << v.fired << "  skipped " << v.skipped << "\n";
  if (v.pending_tick_ms) std::cout << "  queued tick " << when(v.pending_tick_ms) << "\n";
  if (!v.last_error.empty()) std::cout << "  last error: " << v.last_error << "\n";
}

void print_info(const ScheduleView& v, bool json) {
  if (json) {
    std::cout << text(schedule_json(v)) << "\n";
    return;
  }
  print_schedule(v);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TaskSpec task_from_flags(const cxxopts::ParseResult& args) {
  if (args.count("task")) {
    for (const char* f : {"type", "cap", "input", "priority", "timeout"}) {
      if (args.count(f)) throw UsageError(std::string("--task takes no --") + f + ": the JSON describes the task");
    }
    auto t = TaskSpec::from_json(parse_json_arg("task", args["task"].as<std::string>()));
    if (!t) throw UsageError("--task: " + t.error().message);
    return std::move(*t);
  }
  if (!args.count("type")) throw UsageError("give --type (the task to fire), --task JSON or --workflow FILE");
  return task_spec_from_flags(args);
}

int create(int argc, char** argv) {
  auto o = base_options("schedule create", "Create a schedule; prints its id");
  o.add_options()("name", "the schedule's name", cxxopts::value<std::string>())(
      "cron", "cron expression: 5 fields, or 6 with seconds first, or @daily...", cxxopts::value<std::string>())(
      "tz", "IANA time zone of the cron expression", cxxopts::value<std::string>()->default_value("UTC"))(
      "every", "fixed interval instead of cron (1s, 5m, 1h, 7d)", cxxopts::value<std::string>())(
      "start-ms", "wall clock ms of an interval's first tick (default: one interval from now)",
      cxxopts::value<std::int64_t>()->default_value("0"))(
      "type", "task type to fire", cxxopts::value<std::string>())(
      "cap", "required capability (repeatable)", cxxopts::value<std::vector<std::string>>())(
      "priority", "low|normal|high|critical|urgent", cxxopts::value<std::string>()->default_value("normal"))(
      "timeout", "task run time allowed (30s, 5m); 0 = none", cxxopts::value<std::string>()->default_value("0"))(
      "input", "task input as JSON", cxxopts::value<std::string>()->default_value("null"))(
      "task", "the whole task as JSON (as SUBMIT's task)", cxxopts::value<std::string>())(
      "workflow", "a workflow file (.yaml, .yml or .json) to run instead of a task", cxxopts::value<std::string>())(
      "overlap", "skip|queue_one|allow: a tick while the previous firing runs", cxxopts::value<std::string>()->default_value("skip"))(
      "catchup", "none|last|all: ticks missed while no scheduler served", cxxopts::value<std::string>()->default_value("none"))(
      "catchup-window", "how far back --catchup all looks (default 1h)", cxxopts::value<std::string>()->default_value("1h"))(
      "id", "the schedule id (default: the scheduler makes one)", cxxopts::value<std::string>()->default_value(""))(
      "paused", "create it paused")(
      "namespace", "the schedule's namespace: what it fires lives in it", cxxopts::value<std::string>()->default_value("default"));
  o.parse_positional({"name"});
  cxxopts::ParseResult args;
  if (!parse(o, argc, argv, args)) return 0;
  if (!args.count("name")) throw UsageError("missing schedule name");
  ScheduleSpec spec;
  spec.name = args["name"].as<std::string>();
  spec.schedule_id = args["id"].as<std::string>();
  if (args.count("cron") == args.count("every")) throw UsageError("give exactly one of --cron and --every");
  if (args.count("cron")) {
    spec.cron = args["cron"].as<std::string>();
    spec.time_zone = args["tz"].as<std::string>();
  } else {
    spec.interval_ms = duration_ms(args, "every", kMinScheduleIntervalMs, kMaxRetentionMs);
    spec.start_ms = args["start-ms"].as<std::int64_t>();
  }
  if (args.count("workflow")) {
    const auto path = args["workflow"].as<std::string>();
    auto w = parse_workflow_file(read_file(path), path);
    if (!w) throw UsageError(w.error().message.rfind(path, 0) == 0 ? w.error().message : path + ": " + w.error().message);
    spec.workflow = std::move(*w);
  } else {
    spec.task = task_from_flags(args);
  }
  spec.overlap = args["overlap"].as<std::string>();
  spec.catchup = args["catchup"].as<std::string>();
  spec.catchup_window_ms = duration_ms(args, "catchup-window", 0, kWeekMs);
  spec.paused = args.count("paused") > 0;
  spec.ns = args["namespace"].as<std::string>();
  // The wire's own checks (policies, bounds) before it leaves: a refused spec is not sent.
  if (auto checked = ScheduleSpec::from_json(spec.to_json()); !checked) throw UsageError(checked.error().message);
  auto client = make_client(args);
  auto r = client.create_schedule(spec);
  if (!r) return fail(r.error());
  if (args.count("json")) {
    print_info(*r, true);
    return 0;
  }
  std::cout << r->schedule_id << "\n";
  return 0;
}

int list(int argc, char** argv) {
  auto o = base_options("schedule list", "List every schedule");
  o.add_options()("namespace", "only schedules of this namespace", cxxopts::value<std::string>()->default_value(""));
  cxxopts::ParseResult args;
  if (!parse(o, argc, argv, args)) return 0;
  auto client = make_client(args);
  auto r = client.list_schedules(args["namespace"].as<std::string>());
  if (!r) return fail(r.error());
  if (args.count("json")) {
    Json all = Json::array();
    for (const auto& v : *r) all.push_back(schedule_json(v));
    std::cout << text(all) << "\n";
    return 0;
  }
  if (r->empty()) std::cout << "no schedules\n";
  for (const auto& v : *r) print_schedule(v);
  return 0;
}

// pause, resume, delete, trigger: one id each.
int one(int argc, char** argv, const std::string& sub) {
  auto o = base_options("schedule " + sub, sub == "trigger" ? "Fire a schedule now" : "Change a schedule");
  o.add_options()("id", "schedule id", cxxopts::value<std::string>());
  o.parse_positional({"id"});
  cxxopts::ParseResult args;
  if (!parse(o, argc, argv, args)) return 0;
  auto id = positional_id(args, "schedule id");
  auto client = make_client(args);
  const bool json = args.count("json") > 0;
  if (sub == "delete") {
    auto r = client.delete_schedule(id);
    if (!r) return fail(r.error());
    if (json) std::cout << text(Json{{"schedule_id", id}, {"deleted", true}}) << "\n";
    else std::cout << id << " deleted\n";
    return 0;
  }
  if (sub == "trigger") {
    auto r = client.trigger_schedule(id);
    if (!r) return fail(r.error());
    if (json) std::cout << text(r->to_body()) << "\n";
    else std::cout << r->fired_id << "\n";
    return 0;
  }
  auto r = sub == "pause" ? client.pause_schedule(id) : client.resume_schedule(id);
  if (!r) return fail(r.error());
  if (json) {
    print_info(*r, true);
  } else {
    std::cout << r->schedule_id << " " << r->state << (r->next_fire_ms ? " next " + when(r->next_fire_ms) : "") << "\n";
  }
  return 0;
}

}  // namespace

int cmd_schedule(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kScheduleUsage;
    return argc < 2 ? 2 : 0;
  }
  std::string sub = argv[1];
  return guarded([&] {
    if (sub == "create") return create(argc - 1, argv + 1);
    if (sub == "list") return list(argc - 1, argv + 1);
    if (sub == "pause" || sub == "resume" || sub == "delete" || sub == "trigger") return one(argc - 1, argv + 1, sub);
    throw UsageError("unknown schedule subcommand '" + sub + "'\n" + kScheduleUsage);
  });
}

}  // namespace orion::cli
