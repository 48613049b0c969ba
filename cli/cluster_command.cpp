// orionctl cluster: every registry in --registry, and the service replicas they know.
#include <iostream>

#include "cli/cluster_report.h"
#include "cli/commands.h"
#include "cli/registries.h"
#include "cli/support.h"

namespace orion::cli {

int cmd_cluster(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("cluster", "Show every registry and the scheduler and consensus replicas they know");
    o.add_options()("timeout", "milliseconds to wait for the registries' answers",
                    cxxopts::value<std::int64_t>()->default_value("1000"));
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    const auto timeout_ms = args["timeout"].as<std::int64_t>();
    if (timeout_ms < 1 || timeout_ms > 600'000) throw UsageError("--timeout: milliseconds in [1, 600000]");
    std::vector<RegistryReply> replies;
    for (auto& a : ask_every_registry(registry_list(args), MsgType::CLUSTER_STATUS, Json::object(), timeout_ms)) {
      RegistryReply r;
      r.endpoint = a.endpoint;
      if (!a.answer) r.info = a.answer.error();
      else if (a.answer->type != MsgType::CLUSTER_INFO)
        r.info = make_error(ErrorCode::MALFORMED, std::string("answered ") + to_string(a.answer->type));
      else r.info = ClusterInfo::from_body(a.answer->body);
      replies.push_back(std::move(r));
    }
    Json report = cluster_report(replies);
    if (args.count("json")) std::cout << text(report) << std::endl;
    else std::cout << cluster_table(report);
    for (const auto& r : replies) {
      if (r.info) return 0;
    }
    return fail("no registry answered");
  });
}

}  // namespace orion::cli
