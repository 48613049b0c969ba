// orionctl limit set|delete|list: concurrency and rate limits per key, global across every agent
// (docs/protocol.md section 18).
#include <iostream>

#include "cli/commands.h"
#include "cli/support.h"

namespace orion::cli {

namespace {

constexpr const char* kLimitUsage = R"(usage: orionctl limit SUBCOMMAND [options]

  set PATTERN     [--max-running N] [--rate N --per DURATION]
                  PATTERN is a key (customer-42) or a prefix ending in '*' (customer-*: a limit per key)
  delete PATTERN  remove the rule
  list            every rule, with what runs and waits under it now

Tasks carry keys with 'orionctl submit --limit-key K' (or "limit_keys" in a task file).
Each takes --registry and --json; 'orionctl limit SUBCOMMAND --help' lists its options.
)";

std::string rule_text(const LimitView& v) {
  std::string out;
  if (v.max_running > 0) out += "max " + std::to_string(v.max_running) + " running";
  if (v.rate > 0) {
    out += (out.empty() ? "" : ", ") + std::to_string(v.rate) + " per " + std::to_string(v.period_ms) + "ms";
  }
  return out;
}

void print_limit(const LimitView& v) {
  const bool prefix = !v.pattern.empty() && v.pattern.back() == '*';
  std::cout << v.pattern << "  " << rule_text(v) << "  running " << v.running;
  if (prefix) std::cout << " over " << v.keys_held << " keys";
  std::cout << "  waiting " << v.waiting << "\n";
}

std::string pattern_of(const cxxopts::ParseResult& args) {
  if (!args.count("pattern")) throw UsageError("missing pattern (a key, or a prefix ending in '*')");
  return args["pattern"].as<std::string>();
}

int set(int argc, char** argv) {
  auto o = base_options("limit set", "Set (add or replace) the limit of a key or a key prefix");
  o.add_options()("pattern", "a key, or a prefix ending in '*'", cxxopts::value<std::string>())(
      "max-running", "at most this many tasks with the key assigned or running at once; 0 = no such limit",
      cxxopts::value<std::int64_t>()->default_value("0"))(
      "rate", "at most this many starts per --per (a token bucket: bursts of up to N)",
      cxxopts::value<std::int64_t>()->default_value("0"))(
      "per", "the rate's period (1s, 1m, 1h; at most 1d)", cxxopts::value<std::string>());
  o.parse_positional({"pattern"});
  cxxopts::ParseResult args;
  if (!parse(o, argc, argv, args)) return 0;
  SetLimit m;
  m.pattern = pattern_of(args);
  m.max_running = args["max-running"].as<std::int64_t>();
  m.rate = args["rate"].as<std::int64_t>();
  if (args.count("per") && m.rate == 0) throw UsageError("--per goes with --rate");
  if (m.rate > 0) {
    if (!args.count("per")) throw UsageError("--rate needs --per (1s, 1m, 1h)");
    m.period_ms = duration_ms(args, "per", 1, kMaxLimitPeriodMs);
  }
  if (m.max_running == 0 && m.rate == 0) throw UsageError("give --max-running, --rate with --per, or both");
  auto client = make_client(args);
  auto r = client.set_limit(m);
  if (!r) return fail(r.error());
  if (args.count("json")) std::cout << text(r->to_json()) << "\n";
  else print_limit(*r);
  return 0;
}

int remove(int argc, char** argv) {
  auto o = base_options("limit delete", "Delete the limit of a pattern");
  o.add_options()("pattern", "the rule's pattern, as set", cxxopts::value<std::string>());
  o.parse_positional({"pattern"});
  cxxopts::ParseResult args;
  if (!parse(o, argc, argv, args)) return 0;
  auto pattern = pattern_of(args);
  auto client = make_client(args);
  auto r = client.delete_limit(pattern);
  if (!r) return fail(r.error());
  if (args.count("json")) std::cout << text(Json{{"pattern", pattern}, {"deleted", true}}) << "\n";
  else std::cout << pattern << " deleted\n";
  return 0;
}

int list(int argc, char** argv) {
  auto o = base_options("limit list", "List every limit rule with its counts");
  cxxopts::ParseResult args;
  if (!parse(o, argc, argv, args)) return 0;
  auto client = make_client(args);
  auto r = client.list_limits();
  if (!r) return fail(r.error());
  if (args.count("json")) {
    Json all = Json::array();
    for (const auto& v : *r) all.push_back(v.to_json());
    std::cout << text(all) << "\n";
    return 0;
  }
  if (r->empty()) std::cout << "no limits\n";
  for (const auto& v : *r) print_limit(v);
  return 0;
}

}  // namespace

int cmd_limit(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kLimitUsage;
    return argc < 2 ? 2 : 0;
  }
  std::string sub = argv[1];
  return guarded([&] {
    if (sub == "set") return set(argc - 1, argv + 1);
    if (sub == "delete") return remove(argc - 1, argv + 1);
    if (sub == "list") return list(argc - 1, argv + 1);
    throw UsageError("unknown limit subcommand '" + sub + "'\n" + kLimitUsage);
  });
}

}  // namespace orion::cli
