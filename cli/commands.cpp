// orionctl's subcommands for submitting and following tasks: submit (one task or a batch
// file), status, wait, agents, watch. cancel, reprioritize and list are in task_commands.cpp.
#include "cli/commands.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "cli/batch_file.h"
#include "cli/human.h"
#include "sdk/cpp/event_follow.h"
#include "sdk/cpp/consensus_client.h"
#include "cli/registries.h"
#include "cli/support.h"
#include "common/config.h"
#include "common/event_dedup.h"
#include "common/sockets.h"

namespace orion::cli {

namespace {

// A duration flag of a task, 0 to a week.
std::int64_t flag_ms(const cxxopts::ParseResult& args, const char* flag) { return duration_ms(args, flag, 0, kWeekMs); }

// The flags that describe one task; --batch takes none of them (its file says it all).
constexpr const char* kTaskFlags[] = {"name",       "type",         "cap",         "priority",   "timeout",
                                      "input",      "metadata",     "depends-on",  "prefer",     "exclude",
                                      "retries",    "backoff",      "backoff-initial", "backoff-max",
                                      "backoff-multiplier", "jitter", "idempotency-key", "unschedulable-timeout", "result-ttl",
                                      "delay", "not-before", "on-exhausted", "limit-key", "namespace",
                                      "require-consensus", "consensus-cap", "voter", "consensus-timeout", "consensus-data"};

// --delay, --not-before (delayed tasks), --on-exhausted (parked tasks) and --limit-key (limits).
void read_delay_flags(const cxxopts::ParseResult& args, TaskSpec& spec) {
  if (args.count("delay") && args.count("not-before")) throw UsageError("give --delay or --not-before, not both");
  if (args.count("delay")) spec.delay_ms = duration_ms(args, "delay", 0, kMaxDelayMs);
  if (args.count("not-before")) {
    auto at = parse_iso_time_ms(args["not-before"].as<std::string>());
    if (!at) throw UsageError("--not-before must be an ISO-8601 time with its zone: 2026-12-06T10:00:00Z or ...+01:00");
    spec.not_before_ms = *at;
  }
  if (args.count("namespace")) {
    spec.ns = args["namespace"].as<std::string>();
    if (auto s = check_namespace(spec.ns, "namespace"); !s) throw UsageError("--namespace: " + s.error().message);
  }
  if (args.count("on-exhausted")) {
    auto park = on_exhausted_from(args["on-exhausted"].as<std::string>());
    if (!park) throw UsageError("--on-exhausted must be fail or park");
    spec.on_exhausted = *park ? "park" : "fail";
  }
  spec.limit_keys = strings(args, "limit-key");
}

TaskSpec spec_from_flags(const cxxopts::ParseResult& args) {
  if (!args.count("type")) throw UsageError("--type is required");
  TaskSpec spec = task_spec_from_flags(args);
  spec.metadata = parse_json_arg("metadata", args["metadata"].as<std::string>());
  if (!spec.metadata.is_object()) throw UsageError("--metadata must be a JSON object");
  spec.depends_on = strings(args, "depends-on");
  spec.preferred_agents = strings(args, "prefer");
  spec.excluded_agents = strings(args, "exclude");
  spec.retries = args["retries"].as<std::int64_t>();
  if (spec.retries < 0 || spec.retries > kMaxRetries) {
    throw UsageError("--retries must be in 0.." + std::to_string(kMaxRetries));
  }
  auto kind = backoff_from_string(args["backoff"].as<std::string>());
  if (!kind) throw UsageError("--backoff must be fixed or exponential");
  spec.retry.kind = *kind;
  spec.retry.initial_ms = flag_ms(args, "backoff-initial");
  spec.retry.max_ms = flag_ms(args, "backoff-max");
  if (spec.retry.max_ms < spec.retry.initial_ms) throw UsageError("--backoff-max must not be less than --backoff-initial");
  spec.retry.multiplier = args["backoff-multiplier"].as<double>();
  if (!(spec.retry.multiplier >= 1.0 && spec.retry.multiplier <= 10.0)) {
    throw UsageError("--backoff-multiplier must be in 1..10");
  }
  spec.retry.jitter = args["jitter"].as<double>();
  if (!(spec.retry.jitter >= 0.0 && spec.retry.jitter <= 1.0)) throw UsageError("--jitter must be in 0..1");
  spec.idempotency_key = args["idempotency-key"].as<std::string>();
  if (args.count("unschedulable-timeout")) spec.unschedulable_timeout_ms = flag_ms(args, "unschedulable-timeout");
  if (args.count("result-ttl")) {
    auto ttl = parse_duration_ms("result-ttl", args["result-ttl"].as<std::string>(), 0, kMaxRetentionMs);
    if (!ttl) throw UsageError(ttl.error().message);
    spec.result_ttl_ms = *ttl;
  }
  read_delay_flags(args, spec);
  bool gate_flags = args.count("consensus-cap") || args.count("voter") || args.count("consensus-timeout") ||
                    args.count("consensus-data");
  if (!args.count("require-consensus")) {
    if (gate_flags) throw UsageError("--consensus-cap, --voter, --consensus-timeout and --consensus-data need --require-consensus");
    return spec;
  }
  Json gate = {{"type", args["require-consensus"].as<std::string>()}};
  if (args.count("consensus-cap")) gate["capability"] = args["consensus-cap"].as<std::string>();
  if (args.count("voter")) gate["voters"] = strings(args, "voter");
  if (args.count("consensus-timeout")) {
    auto ms = flag_ms(args, "consensus-timeout");
    if (ms <= 0) throw UsageError("--consensus-timeout must be more than 0 seconds");
    gate["timeout_ms"] = ms;
  }
  if (args.count("consensus-data")) gate["data"] = parse_json_arg("consensus-data", args["consensus-data"].as<std::string>());
  auto g = ConsensusGate::from_json(gate, "consensus");
  if (!g) throw UsageError("--require-consensus: " + g.error().message);
  spec.consensus = std::move(*g);
  return spec;
}

int submit_batch(const cxxopts::ParseResult& args) {
  for (const char* flag : kTaskFlags) {
    if (args.count(flag)) throw UsageError(std::string("--batch takes no --") + flag + ": the file describes the tasks");
  }
  const auto path = args["batch"].as<std::string>();
  std::ifstream in(path);
  if (!in) throw UsageError("cannot read batch file " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  auto entries = parse_batch(buf.str());
  if (!entries) throw UsageError(path + ": " + entries.error().message);
  auto client = make_client(args);
  auto ids = client.submit_batch(*entries);
  if (!ids) return fail(ids.error());
  if (args.count("json")) {
    std::cout << text(Json(*ids)) << "\n";
    return 0;
  }
  for (const auto& e : *entries) {  // in the file's order
    auto it = ids->find(e.key);
    std::cout << e.key << " " << (it == ids->end() ? "-" : it->second) << "\n";
  }
  return 0;
}

}  // namespace

int cmd_submit(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("submit", "Submit a task (or a batch file of tasks); prints its id");
    o.add_options()("name", "task name", cxxopts::value<std::string>()->default_value(""))(
        "type", "task type (selects the agent's handler)", cxxopts::value<std::string>())(
        "cap", "required capability (repeatable)", cxxopts::value<std::vector<std::string>>())(
        "priority", "low|normal|high|critical|urgent", cxxopts::value<std::string>()->default_value("normal"))(
        "timeout", "run time allowed: 500ms, 30s, 5m, 1.5h (a bare number is seconds); 0 = none",
        cxxopts::value<std::string>()->default_value("0"))(
        "input", "input as JSON", cxxopts::value<std::string>()->default_value("null"))(
        "metadata", "metadata as a JSON object", cxxopts::value<std::string>()->default_value("{}"))(
        "depends-on", "a task id that must COMPLETE first (repeatable)", cxxopts::value<std::vector<std::string>>())(
        "prefer", "an agent to try first (repeatable)", cxxopts::value<std::vector<std::string>>())(
        "exclude", "an agent never to use (repeatable)", cxxopts::value<std::vector<std::string>>())(
        "retries", "retry a failure this many times", cxxopts::value<std::int64_t>()->default_value("0"))(
        "backoff", "fixed|exponential", cxxopts::value<std::string>()->default_value("fixed"))(
        "backoff-initial", "delay before the first retry (500ms, 1s, 5m)", cxxopts::value<std::string>()->default_value("1s"))(
        "backoff-max", "longest delay between retries", cxxopts::value<std::string>()->default_value("60s"))(
        "backoff-multiplier", "exponential growth per retry, 1..10", cxxopts::value<double>()->default_value("2"))(
        "jitter", "shorten each delay by up to this fraction, 0..1", cxxopts::value<double>()->default_value("0"))(
        "idempotency-key", "the same key returns the first task's id",
        cxxopts::value<std::string>()->default_value(""))(
        "unschedulable-timeout", "fail after this long with no capable agent (30s, 5m)",
        cxxopts::value<std::string>())(
        "result-ttl", "keep the ended task this long, then it expires (60s, 1h, 7d; default: the scheduler's retention)",
        cxxopts::value<std::string>())(
        "delay", "dispatch no earlier than this long after it is accepted (10m, 2h, 3d; at most 366d)",
        cxxopts::value<std::string>())(
        "not-before", "dispatch no earlier than this time (2026-12-06T10:00:00Z, or with an offset: +01:00)",
        cxxopts::value<std::string>())(
        "on-exhausted", "when the retries are spent: fail (FAILED) or park (PARKED, for orionctl parked retry|discard); default: the namespace's",
        cxxopts::value<std::string>())(
        "limit-key", "a concurrency or rate limit key (repeatable, at most 8; see orionctl limit)",
        cxxopts::value<std::vector<std::string>>())(
        "namespace", "the namespace the task lives in (default: default)", cxxopts::value<std::string>())(
        "require-consensus", "run only once the agents approve: majority|unanimous|weighted|pbft",
        cxxopts::value<std::string>())(
        "consensus-cap", "whose live agents vote (default: the task's first --cap)", cxxopts::value<std::string>())(
        "voter", "a voting agent instead (repeatable)", cxxopts::value<std::vector<std::string>>())(
        "consensus-timeout", "how long the vote may take (30s, 5m); then the task ends CANCELLED (default 60s)",
        cxxopts::value<std::string>())(
        "consensus-data", "JSON object handed to the voters", cxxopts::value<std::string>())(
        "batch", "submit every task of a JSON file at once; prints key -> id", cxxopts::value<std::string>());
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    if (args.count("batch")) return submit_batch(args);
    TaskSpec spec = spec_from_flags(args);
    auto client = make_client(args);
    auto id = client.submit(spec);
    if (!id) return fail(id.error());
    if (args.count("json")) std::cout << text(Json{{"task_id", *id}}) << "\n";
    else std::cout << *id << "\n";
    return 0;
  });
}

int cmd_status(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("status", "Show a task");
    o.add_options()("id", "task id", cxxopts::value<std::string>());
    o.parse_positional({"id"});
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    auto client = make_client(args);
    auto v = client.status(positional_id(args, "task id"));
    if (!v) return fail(v.error());
    print_view(*v, args.count("json") > 0);
    return 0;
  });
}

int cmd_wait(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("wait", "Wait until a task ends; exit 0 only if it COMPLETED");
    o.add_options()("id", "task id", cxxopts::value<std::string>())(
        "timeout", "how long to wait (30s, 5m, 1h)", cxxopts::value<std::string>()->default_value("60s"));
    o.parse_positional({"id"});
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    auto id = positional_id(args, "task id");
    const std::int64_t timeout_ms = duration_ms(args, "timeout", 0, kWeekMs);
    auto client = make_client(args);
    auto v = client.wait(id, timeout_ms);
    if (!v) return fail(v.error());
    print_view(*v, args.count("json") > 0);
    if (v->state == TaskState::COMPLETED) return 0;
    if (!is_terminal(v->state)) return fail("task " + id + " is still " + std::string(to_string(v->state)));
    return fail("task " + id + " ended " + std::string(to_string(v->state)) + (v->error.empty() ? "" : ": " + v->error));
  });
}

int cmd_agents(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("agents", "List the agents the registry knows, with their performance");
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    auto client = make_client(args);
    auto list = client.agents();
    if (!list) return fail(list.error());
    // Performance comes from the scheduler; without one, the registry's view alone, with "-"
    // where the scheduler would speak (never zeros that look like facts) and a line saying why.
    std::map<std::string, AgentPerf> perf;
    auto stats = client.agent_stats();
    if (stats) {
      for (auto& p : *stats) perf[p.agent_id] = std::move(p);
    } else {
      std::cerr << "orionctl: performance not shown, the scheduler did not answer: " << stats.error().to_string() << "\n";
    }
    if (args.count("json")) {
      Json a = Json::array();
      for (const auto& v : *list) {
        Json j = v.to_json();
        if (auto it = perf.find(v.spec.agent_id); it != perf.end()) j["performance"] = it->second.to_json();
        a.push_back(std::move(j));
      }
      std::cout << text(Json{{"agents", a}}) << "\n";
      return 0;
    }
    std::printf("%-20s %-5s %-9s %-7s %6s %6s %7s %7s %8s %8s %5s %8s %s\n", "AGENT", "STATE", "LOAD/CAP", "WEIGHT",
                "DONE", "FAILED", "TIMEOUT", "SUCCESS", "MEAN_MS", "P95_MS", "CPU", "MEM_MIB", "CAPABILITIES");
    for (const auto& v : *list) {
      std::string caps;
      for (const auto& c : v.spec.capabilities) caps += (caps.empty() ? "" : ",") + c;
      std::string state = v.state;
      std::int64_t load = v.load;
      AgentPerf p;
      auto it = perf.find(v.spec.agent_id);
      if (it != perf.end()) {
        p = it->second;
        if (p.attached) load = p.load;
        if (p.draining) state = "DRAIN";
      }
      std::string load_cap = std::to_string(load) + "/" + std::to_string(v.spec.capacity);
      // What the agent's process uses (its last HEARTBEAT); "-" when it has not said.
      char cpu[16] = "-", mem[16] = "-";
      if (v.resources) {
        std::snprintf(cpu, sizeof cpu, "%.2f", v.resources->cpu);
        std::snprintf(mem, sizeof mem, "%.1f", static_cast<double>(v.resources->memory_bytes) / (1024.0 * 1024.0));
      }
      // The scheduler's columns: "-" when it did not answer or does not know the agent.
      std::string done = "-", failed = "-", timed_out = "-", success = "-", mean = "-", p95 = "-";
      if (it != perf.end()) {
        done = std::to_string(p.done);
        failed = std::to_string(p.failed);
        timed_out = std::to_string(p.timed_out);
        success = fixed(100.0 * p.success_rate, 1) + "%";
        mean = fixed(p.mean_ms, 1);
        p95 = fixed(p.p95_ms, 1);
      }
      std::printf("%-20s %-5s %-9s %-7.2f %6s %6s %7s %7s %8s %8s %5s %8s %s\n", v.spec.agent_id.c_str(), state.c_str(),
                  load_cap.c_str(), v.spec.weight, done.c_str(), failed.c_str(), timed_out.c_str(), success.c_str(),
                  mean.c_str(), p95.c_str(), cpu, mem, caps.c_str());
    }
    return 0;
  });
}

namespace {

// --since: "PUBLISHER" (everything its history holds: scheduler or consensus) or
// "PUBLISHER:EPOCH:SEQ" (after that event, as `watch --json` shows it); "all" is both.
struct SincePoint {
  std::string publisher;
  std::uint64_t epoch = 0, seq = 0;
  bool optional = false;  // from "all": a service that does not run is noted, not an error
};

SincePoint parse_since_point(const std::string& text) {
  SincePoint p;
  auto colon = text.find(':');
  p.publisher = text.substr(0, colon);
  if (p.publisher != "scheduler" && p.publisher != "consensus" && !(p.publisher == "all" && colon == std::string::npos)) {
    throw UsageError("--since: expected scheduler, consensus or all, or PUBLISHER:EPOCH:SEQ, got '" + text + "'");
  }
  if (colon == std::string::npos) return p;
  auto second = text.find(':', colon + 1);
  auto number = [&](const std::string& digits) -> std::uint64_t {
    if (digits.empty() || digits.size() > 19 || digits.find_first_not_of("0123456789") != std::string::npos) {
      throw UsageError("--since: expected PUBLISHER or PUBLISHER:EPOCH:SEQ (numbers), got '" + text + "'");
    }
    return std::stoull(digits);
  };
  if (second == std::string::npos) number("");  // throws: EPOCH without SEQ
  p.epoch = number(text.substr(colon + 1, second - colon - 1));
  p.seq = number(text.substr(second + 1));
  return p;
}

void print_event(const Event& ev, bool json) {
  if (json) {
    std::cout << text(ev.to_body()) << std::endl;
  } else {
    std::cout << ev.publisher << "#" << ev.seq << " " << ev.topic << " " << text(ev.data) << std::endl;
  }
}

}  // namespace

int cmd_watch(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("watch",
                          "Print events from the bus as they arrive (from every registry's bus, each once); gaps in "
                          "the scheduler's events are filled from its event history");
    o.add_options()("topic", "topic prefix to follow (repeatable; default all)",
                    cxxopts::value<std::vector<std::string>>())(
        "since",
        "replay first from the event history: scheduler, consensus or all (all they hold), or PUBLISHER:EPOCH:SEQ "
        "(after that event; repeatable)",
        cxxopts::value<std::vector<std::string>>())(
        "count", "exit after this many events (0 = never)", cxxopts::value<int>()->default_value("0"))(
        "timeout", "exit after this long (30s, 5m; 0 = never)", cxxopts::value<std::string>()->default_value("0"));
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    bool json = args.count("json") > 0;
    std::vector<SincePoint> since;
    for (const auto& t : strings(args, "since")) {
      auto p = parse_since_point(t);
      if (p.publisher != "all") {
        since.push_back(p);
        continue;
      }
      since.push_back({"scheduler", 0, 0, false});
      since.push_back({"consensus", 0, 0, true});
    }
    const auto registries = registry_list(args);
    zmq::context_t ctx(1);
    auto sub = make_socket(ctx, zmq::socket_type::sub);
    std::vector<std::string> topics = args.count("topic") ? args["topic"].as<std::vector<std::string>>()
                                                          : std::vector<std::string>{};
    if (topics.empty()) sub.set(zmq::sockopt::subscribe, "");
    for (const auto& t : topics) sub.set(zmq::sockopt::subscribe, t);
    // Every registry's bus: a publisher sends each event to all of them, so losing one loses no
    // event. A registry that did not answer is asked again every second.
    std::map<std::string, std::string> buses;  // registry -> its events_sub, once known
    auto discover = [&](std::int64_t timeout_ms) {
      std::vector<std::string> unknown;
      for (const auto& r : registries) {
        if (!buses.count(r)) unknown.push_back(r);
      }
      if (unknown.empty()) return;
      for (auto& a : ask_every_registry(unknown, MsgType::DISCOVER, Json::object(), timeout_ms)) {
        if (!a.answer) continue;
        auto d = Discovery::from_body(a.answer->body);
        if (!d || d->events_sub.empty()) continue;
        bool known = false;
        for (const auto& [r, bus] : buses) known |= bus == d->events_sub;
        if (!known) connect_socket(sub, d->events_sub);
        buses[a.endpoint] = d->events_sub;
      }
    };
    discover(3000);
    if (buses.empty()) return fail("no registry named an event bus in 3000 ms (asked " + args["registry"].as<std::string>() + "): is orion-registry running there?");
    // The scheduler's event history (protocol.md section 16), asked through the leader.
    auto client = make_client(args);
    const std::int64_t timeout_ms = call_timeout_ms(args);
    sdk::EventFollow::Fetch from_scheduler = [&](const EventHistoryRequest& q) -> Result<EventHistoryOk> {
      auto r = client.call(true, MsgType::EVENT_HISTORY, q.to_body(), timeout_ms);
      if (!r) return r.error();
      return EventHistoryOk::from_body(r->body);
    };
    // The consensus leader's, made on first use (a stack may run without consensus).
    std::unique_ptr<consensus::ConsensusClient> cc;
    sdk::EventFollow::Fetch from_consensus = [&](const EventHistoryRequest& q) -> Result<EventHistoryOk> {
      if (!cc) cc = std::make_unique<consensus::ConsensusClient>(consensus_options(args));
      auto r = cc->call(MsgType::EVENT_HISTORY, q.to_body(), timeout_ms);
      if (!r) return r.error();
      return EventHistoryOk::from_body(r->body);
    };
    sdk::EventFollow follow(topics, {{"scheduler", from_scheduler}, {"consensus", from_consensus}});
    int count = args["count"].as<int>(), seen = 0;
    std::vector<sdk::EventFollow::Out> out;
    auto print = [&] {
      for (auto& o_ : out) {
        if (count != 0 && seen >= count) break;
        if (o_.is_note) {
          if (!json) std::cout << "# " << o_.note << std::endl;
          else std::cerr << "orionctl: " << o_.note << std::endl;
          continue;
        }
        ++seen;
        print_event(o_.event, json);
      }
      out.clear();
    };
    // Subscribed first, replayed second: what is published meanwhile is on the SUB and printed
    // once (EventFollow).
    for (const auto& p : since) {
      if (auto s = follow.since(p.publisher, p.epoch, p.seq, out); !s) {
        Error e{s.error().code, "the " + p.publisher + "'s event history: " + s.error().message};
        if (!p.optional) return fail(e);
        (json ? std::cerr : std::cout) << (json ? "orionctl: " : "# ") << e.message << std::endl;
      }
      print();
    }
    const double timeout_s = static_cast<double>(duration_ms(args, "timeout", 0, kWeekMs)) / 1000.0;
    auto start = std::chrono::steady_clock::now();
    auto next_discover = start + std::chrono::seconds(1);
    auto next_fill = start;
    while (count == 0 || seen < count) {
      auto now = std::chrono::steady_clock::now();
      if (timeout_s > 0 && std::chrono::duration<double>(now - start).count() >= timeout_s) break;
      if (now >= next_discover) {
        discover(200);
        next_discover = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      }
      zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(100));
      Incoming in;
      while ((count == 0 || seen < count) && receive(sub, in, false, true)) {
        if (!in.envelope || in.envelope->type != MsgType::EVENT) {
          std::cerr << "orionctl: skipped an undecodable event on topic '" << in.topic.substr(0, 64) << "'\n";
          continue;
        }
        auto ev = Event::from_body(in.envelope->body);
        if (!ev) continue;
        follow.heard(std::move(*ev), out);
        print();
      }
      // Gaps are filled at most 5 times a second (each fill is one request per page).
      if (follow.wants_fill() && std::chrono::steady_clock::now() >= next_fill) {
        follow.fill(out);
        print();
        next_fill = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
      }
    }
    if (!json) {
      for (const char* publisher : {"scheduler", "consensus"}) {
        auto [epoch, seq] = follow.cursor(publisher);
        if (epoch != 0) std::cout << "# resume with: --since " << publisher << ":" << epoch << ":" << seq << std::endl;
      }
    }
    return 0;
  });
}

}  // namespace orion::cli
