#include "cli/support.h"

#include <iostream>

#include "cli/human.h"
#include "common/config.h"
#include "common/transport_security.h"

namespace orion::cli {

std::string text(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

int fail(const std::string& what) {
  std::cerr << "orionctl: " << what << "\n";
  return 1;
}

int fail(const Error& e) { return fail(e.to_string()); }

cxxopts::Options base_options(const std::string& name, const std::string& help) {
  cxxopts::Options o("orionctl " + name, help);
  o.add_options()("registry", "registry address, or a comma-separated list to fail over between (env ORION_REGISTRY)",
                  cxxopts::value<std::string>()->default_value(env_or("ORION_REGISTRY", "tcp://127.0.0.1:7100")))(
      "call-timeout",
      "seconds one request may take, finding the leader and retrying included; then it fails naming what it tried",
      cxxopts::value<std::string>()->default_value("10"))("json", "machine-readable output")("h,help", "show this help");
  o.add_options()("curve-key", "CURVE key pair file for a cluster with keys (orionctl keygen; env ORION_CURVE_KEY)",
                  cxxopts::value<std::string>()->default_value(env_or("ORION_CURVE_KEY", "")))(
      "curve-server-key", "public key file the services present (env ORION_CURVE_SERVER_KEY)",
      cxxopts::value<std::string>()->default_value(env_or("ORION_CURVE_SERVER_KEY", "")));
  return o;
}

std::int64_t call_timeout_ms(const cxxopts::ParseResult& args) {
  return duration_ms(args, "call-timeout", 1, 86'400'000);
}

std::int64_t duration_ms(const cxxopts::ParseResult& args, const char* flag, std::int64_t lo_ms, std::int64_t hi_ms) {
  auto ms = parse_duration_ms(flag, args[flag].as<std::string>(), lo_ms, hi_ms);
  if (!ms) throw UsageError(ms.error().message);
  return *ms;
}

bool parse(cxxopts::Options& o, int argc, char** argv, cxxopts::ParseResult& out) {
  try {
    out = o.parse(argc, argv);
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
  if (out.count("help")) {
    std::cout << o.help() << "\n";
    return false;
  }
  // `status t1 t2` would show t1 only: what the command does not take is refused, not dropped.
  if (!out.unmatched().empty()) {
    throw UsageError("unexpected argument '" + out.unmatched().front().substr(0, 64) + "' (see --help)");
  }
  // "127.0.0.1:7100" is refused here, with the fix, not by ZeroMQ's "Invalid argument".
  if (auto r = parse_endpoint_list("registry", out["registry"].as<std::string>()); !r) {
    throw UsageError(r.error().message);
  }
  // Every socket made from here on takes CURVE when keys are given (transport_security.h).
  if (auto s = use_client_keys(out["curve-key"].as<std::string>(), out["curve-server-key"].as<std::string>()); !s) {
    throw UsageError(s.error().message);
  }
  return true;
}

namespace {

// Without --call-timeout, a stack that is not there is said so in about 2 s (leader_follower.h);
// with it, the call takes what it is given.
std::int64_t first_answer_ms(const cxxopts::ParseResult& args) { return args.count("call-timeout") ? -1 : 2000; }

}  // namespace

sdk::Client make_client(const cxxopts::ParseResult& args) {
  sdk::ClientOptions co;
  co.registry = args["registry"].as<std::string>();
  co.call_timeout_ms = call_timeout_ms(args);
  co.first_answer_ms = first_answer_ms(args);
  return sdk::Client(co);
}

consensus::ConsensusClientOptions consensus_options(const cxxopts::ParseResult& args) {
  consensus::ConsensusClientOptions o;
  o.registry = args["registry"].as<std::string>();
  o.call_timeout_ms = call_timeout_ms(args);
  o.first_answer_ms = first_answer_ms(args);
  return o;
}

Json parse_json_arg(const std::string& flag, const std::string& text) {
  try {
    return Json::parse(text);
  } catch (const std::exception& e) {
    throw UsageError("--" + flag + " is not valid JSON: " + e.what());
  }
}

std::string positional_id(const cxxopts::ParseResult& args, const char* what) {
  if (!args.count("id")) throw UsageError(std::string("missing ") + what);
  return args["id"].as<std::string>();
}

std::vector<std::string> strings(const cxxopts::ParseResult& args, const char* flag) {
  if (!args.count(flag)) return {};
  return args[flag].as<std::vector<std::string>>();
}

Json task_page_json(const TaskList& page) {
  Json a = Json::array();
  for (const auto& v : page.tasks) a.push_back(view_json(v));
  return Json{{"tasks", std::move(a)}, {"next", page.next}};
}

TaskSpec task_spec_from_flags(const cxxopts::ParseResult& args) {
  TaskSpec spec;
  spec.name = args["name"].as<std::string>();
  spec.type = args["type"].as<std::string>();
  spec.capabilities = strings(args, "cap");
  auto p = priority_from_string(args["priority"].as<std::string>());
  if (!p) throw UsageError("--priority must be one of low, normal, high, critical, urgent");
  spec.priority = *p;
  spec.timeout_ms = duration_ms(args, "timeout", 0, kWeekMs);
  spec.input = parse_json_arg("input", args["input"].as<std::string>());
  return spec;
}

namespace {

Json history_json(const std::vector<StateChange>& history) {
  Json a = Json::array();
  for (const auto& c : history) {
    a.push_back({{"state", std::string(to_string(c.state))},
                 {"at_ms", c.at_ms},
                 {"attempt", c.attempt},
                 {"agent", c.agent},
                 {"note", c.note}});
  }
  return a;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

Json view_json(const TaskView& v) {
  const RetryPolicy& rp = v.spec.retry;
  Json j = {{"task_id", v.task_id},
          {"name", v.spec.name},
          {"type", v.spec.type},
          {"capabilities", v.spec.capabilities},
          {"priority", std::string(to_string(v.spec.priority))},
          {"effective_priority", std::string(to_string(v.effective_priority))},
          {"timeout_ms", v.spec.timeout_ms},
          {"state", std::string(to_string(v.state))},
          {"assigned_agent", v.assigned_agent},
          {"attempt", v.attempt},
          {"progress", v.progress},
          {"retries", v.spec.retries},
          {"backoff",
           {{"kind", to_string(rp.kind)},
            {"initial_ms", rp.initial_ms},
            {"max_ms", rp.max_ms},
            {"multiplier", rp.multiplier},
            {"jitter", rp.jitter}}},
          {"failures", v.failures},
          {"retry_at_ms", v.retry_at_ms},
          {"depends_on", v.spec.depends_on},
          {"waiting_on", v.waiting_on},
          {"preferred_agents", v.spec.preferred_agents},
          {"excluded_agents", v.spec.excluded_agents},
          {"idempotency_key", v.spec.idempotency_key},
          {"unschedulable_timeout_ms", v.spec.unschedulable_timeout_ms},
          {"result_ttl_ms", v.spec.result_ttl_ms},
          {"not_before_ms", v.spec.not_before_ms},
          {"on_exhausted", v.spec.on_exhausted},
          {"limit_keys", v.spec.limit_keys},
          {"namespace", v.spec.ns},
          {"input", v.spec.input},
          {"metadata", v.spec.metadata},
          {"output", v.output},
          {"error", v.error},
          {"reason", v.reason},
          {"created_ms", v.created_ms},
          {"assigned_ms", v.assigned_ms},
          {"started_ms", v.started_ms},
          {"finished_ms", v.finished_ms},
          {"history", history_json(v.history)}};
  if (v.spec.consensus.enabled()) {
    // The consensus gate: what was asked, the proposal, and its outcome ("" while undecided).
    j["consensus"] = v.spec.consensus.to_json();
    j["consensus"]["proposal_id"] = v.gate.proposal_id;
    j["consensus"]["outcome"] = v.gate.outcome;
  }
  return j;
}

void print_view(const TaskView& v, bool json) {
  if (json) {
    std::cout << text(view_json(v)) << "\n";
    return;
  }
  std::cout << "task      " << v.task_id << (v.spec.name.empty() ? "" : " (" + v.spec.name + ")") << "\n"
            << "type      " << v.spec.type << "  priority " << to_string(v.spec.priority);
  if (v.effective_priority != Priority::UNKNOWN && v.effective_priority != v.spec.priority) {
    std::cout << " (effective " << to_string(v.effective_priority) << ")";
  }
  std::cout << "\n"
            << "state     " << to_string(v.state) << "  attempt " << v.attempt << "  progress " << v.progress
            << "%\n"
            << "agent     " << (v.assigned_agent.empty() ? "-" : v.assigned_agent) << "\n"
            << "created   " << local_time(v.created_ms);
  // How long it waited for an agent, and ran (or has run so far).
  const std::int64_t began = v.started_ms ? v.started_ms : v.assigned_ms;
  if (began) std::cout << "  waited " << between(v.created_ms, began);
  if (began && v.finished_ms) std::cout << "  ran " << between(began, v.finished_ms);
  if (v.finished_ms) std::cout << "  ended " << local_time(v.finished_ms);
  std::cout << "\n";
  if (v.spec.timeout_ms > 0) std::cout << "timeout   " << human_duration(v.spec.timeout_ms) << " per attempt\n";
  if (v.spec.retries > 0) {
    std::cout << "retries   " << v.failures << " failures of " << v.spec.retries << " retries allowed ("
              << to_string(v.spec.retry.kind) << " backoff)";
    if (v.retry_at_ms > 0) std::cout << "  next retry at " << local_time(v.retry_at_ms);
    std::cout << "\n";
  }
  if (!v.spec.depends_on.empty()) std::cout << "depends   " << joined(v.spec.depends_on) << "\n";
  if (!v.waiting_on.empty()) std::cout << "waiting   " << joined(v.waiting_on) << "\n";
  if (v.spec.not_before_ms > 0) std::cout << "not before " << local_time(v.spec.not_before_ms) << "\n";
  if (v.spec.on_exhausted == "park") std::cout << "exhausted park (PARKED when its retries are spent)\n";
  if (!v.spec.limit_keys.empty()) std::cout << "limits    " << joined(v.spec.limit_keys) << "\n";
  // The scheduler says when a delayed task is due in UTC; people read it in their own time.
  const std::string scheduled = "scheduled for ";
  if (v.reason.compare(0, scheduled.size(), scheduled) == 0 && v.spec.not_before_ms > 0) {
    std::cout << "reason    " << scheduled << local_time(v.spec.not_before_ms) << "\n";
  } else if (!v.reason.empty()) {
    std::cout << "reason    " << v.reason << "\n";
  }
  if (v.state == TaskState::COMPLETED) std::cout << "output    " << text(v.output) << "\n";
  if (!v.error.empty()) std::cout << "error     " << v.error << "\n";
  if (!v.history.empty()) {
    std::cout << "history\n";
    for (const auto& c : v.history) {
      std::cout << "  " << local_time(c.at_ms) << "  " << to_string(c.state) << "  attempt " << c.attempt;
      if (!c.agent.empty()) std::cout << "  agent " << c.agent;
      if (!c.note.empty()) std::cout << "  " << c.note;
      std::cout << "\n";
    }
  }
}

}  // namespace orion::cli
