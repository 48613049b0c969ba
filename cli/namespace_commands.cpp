// orionctl namespace set|list|delete: a namespace's fair share weight and its on_exhausted
// default (docs/protocol.md section 19).
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/support.h"

namespace orion::cli {

namespace {

constexpr const char* kNamespaceUsage = R"(usage: orionctl namespace SUBCOMMAND [options]

  set NS [--weight W] [--on-exhausted fail|park]   its fair share weight (0.001..1000, default 1)
                                                 and what its tasks that leave on_exhausted out do
  list                                           every namespace configured or holding tasks
  delete NS                                      back to weight 1 and fail (its tasks stay)

Each takes --registry and --json.
)";

std::string counts_text(const Counts& c) {
  std::string out;
  for (const auto& [state, n] : c) out += (out.empty() ? "" : " ") + state + "=" + std::to_string(n);
  return out.empty() ? "no tasks" : out;
}

void print_view(const NamespaceView& v) {
  std::printf("%-24s weight %-8g on_exhausted %-4s %s slots %lld  %s\n", v.ns.c_str(), v.weight, v.on_exhausted.c_str(),
              v.configured ? "set    " : "default", static_cast<long long>(v.slots), counts_text(v.counts).c_str());
}

int set(int argc, char** argv) {
  auto o = base_options("namespace set", "Set a namespace's fair share weight and on_exhausted default");
  o.add_options()("id", "the namespace", cxxopts::value<std::string>())(
      "weight", "fair share weight, 0.001..1000", cxxopts::value<double>()->default_value("1"))(
      "on-exhausted", "fail|park: its tasks that leave on_exhausted out", cxxopts::value<std::string>()->default_value("fail"));
  o.parse_positional({"id"});
  cxxopts::ParseResult args;
  if (!parse(o, argc, argv, args)) return 0;
  auto ns = positional_id(args, "namespace");
  auto client = make_client(args);
  auto r = client.set_namespace(ns, args["weight"].as<double>(), args["on-exhausted"].as<std::string>());
  if (!r) return fail(r.error());
  if (args.count("json")) std::cout << text(r->to_json()) << "\n";
  else print_view(*r);
  return 0;
}

int list(int argc, char** argv) {
  auto o = base_options("namespace list", "Every namespace configured or holding tasks");
  cxxopts::ParseResult args;
  if (!parse(o, argc, argv, args)) return 0;
  auto client = make_client(args);
  auto r = client.list_namespaces();
  if (!r) return fail(r.error());
  if (args.count("json")) {
    std::cout << text(r->to_body()) << "\n";
    return 0;
  }
  if (r->namespaces.empty()) std::cout << "no namespaces\n";
  for (const auto& v : r->namespaces) print_view(v);
  if (r->more) std::cout << "(more namespaces not listed)\n";
  return 0;
}

int remove(int argc, char** argv) {
  auto o = base_options("namespace delete", "Reset a namespace to the defaults");
  o.add_options()("id", "the namespace", cxxopts::value<std::string>());
  o.parse_positional({"id"});
  cxxopts::ParseResult args;
  if (!parse(o, argc, argv, args)) return 0;
  auto ns = positional_id(args, "namespace");
  auto client = make_client(args);
  auto r = client.delete_namespace(ns);
  if (!r) return fail(r.error());
  if (args.count("json")) std::cout << text(r->to_json()) << "\n";
  else print_view(*r);
  return 0;
}

}  // namespace

int cmd_namespace(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kNamespaceUsage;
    return argc < 2 ? 2 : 0;
  }
  std::string sub = argv[1];
  return guarded([&] {
    if (sub == "set") return set(argc - 1, argv + 1);
    if (sub == "list") return list(argc - 1, argv + 1);
    if (sub == "delete") return remove(argc - 1, argv + 1);
    throw UsageError("unknown namespace subcommand '" + sub + "'\n" + kNamespaceUsage);
  });
}

}  // namespace orion::cli
