// orionctl workflow run|status|wait|cancel|retry: multi-step workflows (docs/workflows.md).
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

constexpr const char* kWorkflowUsage = R"(usage: orionctl workflow SUBCOMMAND [options]

  run FILE       run a workflow file (.yaml, .yml or .json); prints its id and step -> task id
  status ID      every step's state, progress and timing, and the workflow's
  wait ID        wait until it ends [--timeout S]; exit 0 only if it COMPLETED
  cancel ID      cancel every unfinished step [--reason R]
  retry ID       re-run the steps of a FAILED or CANCELLED workflow that did not complete

Each takes --registry and --json; 'orionctl workflow SUBCOMMAND --help' lists its options.
)";

Json step_json(const StepView& s) {
  return {{"name", s.name},         {"task_id", s.task_id},         {"type", s.type},
          {"depends_on", s.depends_on}, {"state", std::string(to_string(s.state))}, {"progress", s.progress},
          {"attempt", s.attempt},   {"agent", s.agent},             {"error", s.error},
          {"created_ms", s.created_ms}, {"started_ms", s.started_ms}, {"finished_ms", s.finished_ms},
          {"reason", s.reason}};
}

Json workflow_json(const WorkflowView& v) {
  Json steps = Json::array();
  for (const auto& s : v.steps) steps.push_back(step_json(s));
  return {{"workflow_id", v.workflow_id}, {"name", v.name},          {"state", std::string(to_string(v.state))},
          {"progress", v.progress},       {"run", v.run},            {"reason", v.reason},
          {"consensus", v.consensus},     {"gate", v.gate},          {"created_ms", v.created_ms}, {"started_ms", v.started_ms},
          {"finished_ms", v.finished_ms}, {"steps", std::move(steps)}};
}

void print_workflow(const WorkflowView& v, bool json) {
  if (json) {
    std::cout << text(workflow_json(v)) << "\n";
    return;
  }
  std::cout << v.workflow_id << " " << v.name << " " << to_string(v.state) << " " << std::fixed << std::setprecision(0)
            << v.progress << "% run " << v.run << "\n"
            << "  created " << local_time(v.created_ms);
  if (v.finished_ms) std::cout << "  ended " << local_time(v.finished_ms) << " (took " << between(v.created_ms, v.finished_ms) << ")";
  std::cout << "\n";
  if (!v.reason.empty()) std::cout << "  reason: " << v.reason << "\n";
  if (v.gate.is_object()) {
    const std::string outcome = v.gate.value("outcome", ""), proposal = v.gate.value("proposal_id", "");
    std::cout << "  consensus gate: " << (outcome.empty() ? "waiting for votes" : outcome)
              << (proposal.empty() ? "" : " (proposal " + proposal + ")") << "\n";
  }
  std::cout << "  " << std::left << std::setw(20) << "STEP" << std::setw(8) << "TASK" << std::setw(11) << "STATE"
            << std::setw(6) << "PROG" << std::setw(14) << "AGENT" << std::setw(8) << "ATTEMPT" << "RUN TIME\n";
  for (const auto& s : v.steps) {
    std::ostringstream prog;
    prog << std::fixed << std::setprecision(0) << s.progress << "%";
    std::cout << "  " << std::left << std::setw(20) << s.name << std::setw(8) << s.task_id << std::setw(11)
              << to_string(s.state) << std::setw(6) << prog.str() << std::setw(14) << (s.agent.empty() ? "-" : s.agent)
              << std::setw(8) << s.attempt << between(s.started_ms, s.finished_ms) << "\n";
    if (!s.error.empty()) std::cout << "      error: " << s.error << "\n";
    if (!s.reason.empty()) std::cout << "      why: " << s.reason << "\n";
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int run(int argc, char** argv) {
  auto o = base_options("workflow run", "Run a workflow file; prints its id and step -> task id");
  o.add_options()("file", "workflow file (.yaml, .yml or .json)", cxxopts::value<std::string>())(
      "namespace", "the run's namespace (its steps live in it; default: the file's, else default)", cxxopts::value<std::string>());
  o.parse_positional({"file"});
  cxxopts::ParseResult args;
  if (!parse(o, argc, argv, args)) return 0;
  if (!args.count("file")) throw UsageError("missing workflow file");
  auto path = args["file"].as<std::string>();
  auto spec = parse_workflow_file(read_file(path), path);
  if (!spec) {
    const auto& m = spec.error().message;
    throw UsageError(m.rfind(path, 0) == 0 ? m : path + ": " + m);  // YAML syntax errors name the file already
  }
  if (args.count("namespace")) {
    spec->ns = args["namespace"].as<std::string>();
    if (auto s = check_namespace(spec->ns, "namespace"); !s) throw UsageError("--namespace: " + s.error().message);
    for (auto& step : spec->steps) step.task.ns = spec->ns;
  }
  auto client = make_client(args);
  auto r = client.run_workflow(*spec);
  if (!r) return fail(r.error());
  if (args.count("json")) {
    std::cout << text(Json{{"workflow_id", r->workflow_id}, {"tasks", r->task_ids}}) << "\n";
    return 0;
  }
  std::cout << r->workflow_id << "\n";
  for (const auto& step : spec->steps) std::cout << "  " << step.name << " " << r->task_ids[step.name] << "\n";
  return 0;
}

int status_or_wait(int argc, char** argv, bool wait) {
  auto o = base_options(wait ? "workflow wait" : "workflow status",
                        wait ? "Wait until a workflow ends; exit 0 only if it COMPLETED" : "Show a workflow and its steps");
  o.add_options()("id", "workflow id", cxxopts::value<std::string>());
  if (wait) o.add_options()("timeout", "how long to wait (30s, 5m, 1h)", cxxopts::value<std::string>()->default_value("60s"));
  o.parse_positional({"id"});
  cxxopts::ParseResult args;
  if (!parse(o, argc, argv, args)) return 0;
  auto id = positional_id(args, "workflow id");
  auto client = make_client(args);
  if (!wait) {
    auto v = client.workflow_status(id);
    if (!v) return fail(v.error());
    print_workflow(*v, args.count("json") > 0);
    return 0;
  }
  auto v = client.wait_workflow(id, duration_ms(args, "timeout", 0, kWeekMs));
  if (!v) return fail(v.error());
  print_workflow(*v, args.count("json") > 0);
  if (v->state == WorkflowState::COMPLETED) return 0;
  return fail("workflow " + id + " is " + std::string(to_string(v->state)) + (v->reason.empty() ? "" : ": " + v->reason));
}

int cancel(int argc, char** argv) {
  auto o = base_options("workflow cancel", "Cancel every unfinished step of a workflow");
  o.add_options()("id", "workflow id", cxxopts::value<std::string>())(
      "reason", "why, kept in the steps' errors", cxxopts::value<std::string>()->default_value(""));
  o.parse_positional({"id"});
  cxxopts::ParseResult args;
  if (!parse(o, argc, argv, args)) return 0;
  auto id = positional_id(args, "workflow id");
  auto client = make_client(args);
  auto r = client.cancel_workflow(id, args["reason"].as<std::string>());
  if (!r) return fail(r.error());
  if (args.count("json")) {
    std::cout << text(Json{{"workflow_id", r->workflow_id}, {"state", std::string(to_string(r->state))}, {"ended", r->ended}})
              << "\n";
    return 0;
  }
  std::cout << r->workflow_id << " " << to_string(r->state) << "\n";
  for (const auto& s : r->ended) std::cout << "  ended: " << s << "\n";
  return 0;
}

int retry(int argc, char** argv) {
  auto o = base_options("workflow retry", "Re-run a FAILED or CANCELLED workflow's steps that did not complete");
  o.add_options()("id", "workflow id", cxxopts::value<std::string>());
  o.parse_positional({"id"});
  cxxopts::ParseResult args;
  if (!parse(o, argc, argv, args)) return 0;
  auto id = positional_id(args, "workflow id");
  auto client = make_client(args);
  auto r = client.retry_workflow(id);
  if (!r) return fail(r.error());
  if (args.count("json")) {
    std::cout << text(Json{{"workflow_id", r->workflow_id},
                           {"state", std::string(to_string(r->state))},
                           {"run", r->run},
                           {"retried", r->retried}})
              << "\n";
    return 0;
  }
  std::cout << r->workflow_id << " " << to_string(r->state) << " run " << r->run << "\n";
  for (const auto& s : r->retried) std::cout << "  re-run: " << s << "\n";
  return 0;
}

}  // namespace

int cmd_workflow(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kWorkflowUsage;
    return argc < 2 ? 2 : 0;
  }
  std::string sub = argv[1];
  return guarded([&] {
    if (sub == "run") return run(argc - 1, argv + 1);
    if (sub == "status") return status_or_wait(argc - 1, argv + 1, false);
    if (sub == "wait") return status_or_wait(argc - 1, argv + 1, true);
    if (sub == "cancel") return cancel(argc - 1, argv + 1);
    if (sub == "retry") return retry(argc - 1, argv + 1);
    throw UsageError("unknown workflow subcommand '" + sub + "'\n" + kWorkflowUsage);
  });
}

}  // namespace orion::cli
