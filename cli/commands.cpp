#include "cli/commands.h"

#include <chrono>
#include <cstdio>
#include <iostream>

#include <cxxopts.hpp>

#include "common/config.h"
#include "common/sockets.h"
#include "sdk/cpp/client.h"

namespace orion::cli {

namespace {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// JSON text for people and scripts; invalid UTF-8 from a peer is replaced, never an exception.
std::string text(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

int fail(const std::string& what) {
  std::cerr << "orionctl: " << what << "\n";
  return 1;
}

int fail(const Error& e) { return fail(e.to_string()); }

cxxopts::Options base_options(const std::string& name, const std::string& help) {
  cxxopts::Options o("orionctl " + name, help);
  o.add_options()("registry", "registry address (env ORION_REGISTRY)",
                  cxxopts::value<std::string>()->default_value(env_or("ORION_REGISTRY", "tcp://127.0.0.1:7100")))(
      "json", "machine-readable output")("h,help", "show this help");
  return o;
}

// Parses; prints help and returns false when asked; throws UsageError on bad flags.
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
  return true;
}

sdk::Client make_client(const cxxopts::ParseResult& args) {
  sdk::ClientOptions co;
  co.registry = args["registry"].as<std::string>();
  return sdk::Client(co);
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

Json view_json(const TaskView& v) {
  return {{"task_id", v.task_id},
          {"name", v.spec.name},
          {"type", v.spec.type},
          {"capabilities", v.spec.capabilities},
          {"priority", std::string(to_string(v.spec.priority))},
          {"timeout_ms", v.spec.timeout_ms},
          {"status", std::string(to_string(v.state))},
          {"assigned_agent", v.assigned_agent},
          {"attempt", v.attempt},
          {"progress", v.progress},
          {"input", v.spec.input},
          {"metadata", v.spec.metadata},
          {"output", v.output},
          {"error", v.error},
          {"reason", v.reason},
          {"created_ms", v.created_ms},
          {"assigned_ms", v.assigned_ms},
          {"started_ms", v.started_ms},
          {"finished_ms", v.finished_ms}};
}

void print_view(const TaskView& v, bool json) {
  if (json) {
    std::cout << text(view_json(v)) << "\n";
    return;
  }
  std::cout << "task      " << v.task_id << (v.spec.name.empty() ? "" : " (" + v.spec.name + ")") << "\n"
            << "type      " << v.spec.type << "  priority " << to_string(v.spec.priority) << "\n"
            << "status    " << to_string(v.state) << "  attempt " << v.attempt << "  progress " << v.progress
            << "%\n"
            << "agent     " << (v.assigned_agent.empty() ? "-" : v.assigned_agent) << "\n";
  if (!v.reason.empty()) std::cout << "reason    " << v.reason << "\n";
  if (v.state == TaskState::COMPLETED) std::cout << "output    " << text(v.output) << "\n";
  if (!v.error.empty()) std::cout << "error     " << v.error << "\n";
}

template <class Fn>
int guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const UsageError& e) {
    std::cerr << "orionctl: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace

int cmd_submit(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("submit", "Submit a task; prints its id");
    o.add_options()("name", "task name", cxxopts::value<std::string>()->default_value(""))(
        "type", "task type (selects the agent's handler)", cxxopts::value<std::string>())(
        "cap", "required capability (repeatable)", cxxopts::value<std::vector<std::string>>())(
        "priority", "low|normal|high|critical|urgent", cxxopts::value<std::string>()->default_value("normal"))(
        "timeout", "seconds, fractions allowed; 0 = none", cxxopts::value<double>()->default_value("0"))(
        "input", "input as JSON", cxxopts::value<std::string>()->default_value("null"))(
        "metadata", "metadata as a JSON object", cxxopts::value<std::string>()->default_value("{}"));
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    if (!args.count("type")) throw UsageError("--type is required");
    TaskSpec spec;
    spec.name = args["name"].as<std::string>();
    spec.type = args["type"].as<std::string>();
    if (args.count("cap")) spec.capabilities = args["cap"].as<std::vector<std::string>>();
    auto p = priority_from_string(args["priority"].as<std::string>());
    if (!p) throw UsageError("--priority must be one of low, normal, high, critical, urgent");
    spec.priority = *p;
    double timeout_s = args["timeout"].as<double>();
    if (!(timeout_s >= 0) || timeout_s * 1000 > static_cast<double>(kMaxTimeoutMs)) {
      throw UsageError("--timeout must be between 0 and a week, in seconds");
    }
    spec.timeout_ms = static_cast<std::int64_t>(timeout_s * 1000 + 0.5);
    spec.input = parse_json_arg("input", args["input"].as<std::string>());
    spec.metadata = parse_json_arg("metadata", args["metadata"].as<std::string>());
    if (!spec.metadata.is_object()) throw UsageError("--metadata must be a JSON object");
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
        "timeout", "seconds to wait", cxxopts::value<double>()->default_value("60"));
    o.parse_positional({"id"});
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    auto id = positional_id(args, "task id");
    double timeout_s = args["timeout"].as<double>();
    if (!(timeout_s >= 0)) throw UsageError("--timeout must not be negative");
    auto client = make_client(args);
    auto v = client.wait(id, static_cast<std::int64_t>(timeout_s * 1000));
    if (!v) return fail(v.error());
    print_view(*v, args.count("json") > 0);
    if (v->state == TaskState::COMPLETED) return 0;
    if (!is_terminal(v->state)) return fail("task " + id + " is still " + std::string(to_string(v->state)));
    return fail("task " + id + " ended " + std::string(to_string(v->state)) + (v->error.empty() ? "" : ": " + v->error));
  });
}

int cmd_agents(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("agents", "List the agents the registry knows");
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    auto client = make_client(args);
    auto list = client.agents();
    if (!list) return fail(list.error());
    if (args.count("json")) {
      Json a = Json::array();
      for (const auto& v : *list) a.push_back(v.to_json());
      std::cout << text(Json{{"agents", a}}) << "\n";
      return 0;
    }
    std::printf("%-20s %-5s %-9s %-7s %s\n", "AGENT", "STATE", "LOAD/CAP", "WEIGHT", "CAPABILITIES");
    for (const auto& v : *list) {
      std::string caps;
      for (const auto& c : v.spec.capabilities) caps += (caps.empty() ? "" : ",") + c;
      std::string load = std::to_string(v.load) + "/" + std::to_string(v.spec.capacity);
      std::printf("%-20s %-5s %-9s %-7.2f %s\n", v.spec.agent_id.c_str(), v.state.c_str(), load.c_str(),
                  v.spec.weight, caps.c_str());
    }
    return 0;
  });
}

int cmd_watch(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("watch", "Print events from the bus as they arrive");
    o.add_options()("topic", "topic prefix to follow (repeatable; default all)",
                    cxxopts::value<std::vector<std::string>>())(
        "count", "exit after this many events (0 = never)", cxxopts::value<int>()->default_value("0"))(
        "timeout", "exit after this many seconds (0 = never)", cxxopts::value<double>()->default_value("0"));
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    bool json = args.count("json") > 0;
    auto client = make_client(args);
    auto d = client.discover();
    if (!d) return fail(d.error());
    if (d->events_sub.empty()) return fail("the registry did not name an event bus");
    zmq::context_t ctx(1);
    auto sub = make_socket(ctx, zmq::socket_type::sub);
    std::vector<std::string> topics = args.count("topic") ? args["topic"].as<std::vector<std::string>>()
                                                          : std::vector<std::string>{""};
    for (const auto& t : topics) sub.set(zmq::sockopt::subscribe, t);
    sub.connect(d->events_sub);
    int count = args["count"].as<int>(), seen = 0;
    double timeout_s = args["timeout"].as<double>();
    auto start = std::chrono::steady_clock::now();
    std::map<std::string, std::uint64_t> last_seq;  // per publisher, to report gaps
    while (count == 0 || seen < count) {
      if (timeout_s > 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= timeout_s) {
        break;
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
        auto& last = last_seq[ev->publisher];
        if (last != 0 && ev->seq > last + 1 && !json) {
          std::cout << "# gap: missed " << (ev->seq - last - 1) << " events from " << ev->publisher << "\n";
        }
        last = ev->seq;
        ++seen;
        if (json) std::cout << text(ev->to_body()) << std::endl;
        else std::cout << ev->publisher << "#" << ev->seq << " " << ev->topic << " " << text(ev->data) << std::endl;
      }
    }
    return 0;
  });
}

}  // namespace orion::cli
