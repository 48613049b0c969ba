#include "tests/integration/cluster.h"

#include <stdexcept>

namespace orion::testing {

Cluster::Cluster() : dir_("orion-it") {}

Cluster::~Cluster() {
  // Agents first, then the scheduler, then the registry: each stops while its peers still answer.
  agents_.clear();
  scheduler_.reset();
  registry_.reset();
}

void Cluster::start_registry(const std::vector<std::string>& extra_args) {
  std::string ready = dir_.file("registry.ready");
  std::remove(ready.c_str());
  std::vector<std::string> args{"--bind", registry_endpoint.empty() ? "tcp://127.0.0.1:0" : registry_endpoint,
                                "--bind-events-pub", events_pub.empty() ? "tcp://127.0.0.1:0" : events_pub,
                                "--bind-events-sub", events_sub.empty() ? "tcp://127.0.0.1:0" : events_sub,
                                "--heartbeat-ms", "200", "--data-dir", dir_.file("registry"), "--ready-file", ready,
                                "--metrics-bind", "127.0.0.1:0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  registry_ = std::make_unique<Process>(bin("orion-registry"), args, dir_.file("registry.log"));
  auto j = wait_for_json_file(ready, 10'000);
  if (!j) throw std::runtime_error("registry did not become ready:\n" + registry_->log_tail());
  registry_endpoint = j->at("registry").get<std::string>();
  events_pub = j->at("events_pub").get<std::string>();
  events_sub = j->at("events_sub").get<std::string>();
  registry_metrics = j->value("metrics", "");
}

void Cluster::start_scheduler(const std::vector<std::string>& extra_args) {
  std::string ready = dir_.file("scheduler.ready");
  std::remove(ready.c_str());
  std::vector<std::string> args{"--registry",   registry_endpoint,
                                "--bind-client", scheduler_client.empty() ? "tcp://127.0.0.1:0" : scheduler_client,
                                "--bind-agent",  scheduler_agent.empty() ? "tcp://127.0.0.1:0" : scheduler_agent,
                                "--heartbeat-ms", "200", "--data-dir", dir_.file("scheduler"), "--ready-file", ready,
                                "--metrics-bind", "127.0.0.1:0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  scheduler_ = std::make_unique<Process>(bin("orion-scheduler"), args,
                                         dir_.file("scheduler-" + std::to_string(++scheduler_starts_) + ".log"));
  auto j = wait_for_json_file(ready, 10'000);
  if (!j) throw std::runtime_error("scheduler did not become ready:\n" + scheduler_->log_tail());
  scheduler_client = j->at("client").get<std::string>();
  scheduler_agent = j->at("agent").get<std::string>();
  scheduler_metrics = j->value("metrics", "");
  // The ready file comes before the scheduler's ANNOUNCE has reached the registry; until it has,
  // a client's first request fails with "the registry knows no scheduler yet". Wait for it.
  sdk::Client client(client_options());
  bool announced = wait_until(
      [&] {
        auto d = client.discover();
        return d.ok() && d->scheduler_client == scheduler_client;
      },
      10'000);
  if (!announced) throw std::runtime_error("the registry never learned of the scheduler:\n" + scheduler_->log_tail());
}

void Cluster::start_consensus(const std::vector<std::string>& extra_args) {
  std::string ready = dir_.file("consensus.ready");
  std::remove(ready.c_str());
  std::vector<std::string> args{"--bind-client", "tcp://127.0.0.1:0", "--registry", registry_endpoint,
                                "--data-dir", dir_.file("data-consensus"), "--ready-file", ready,
                                "--metrics-bind", "127.0.0.1:0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  consensus_ = std::make_unique<Process>(bin("orion-consensus"), args, dir_.file("consensus.log"));
  auto j = wait_for_json_file(ready, 10'000);
  if (!j) throw std::runtime_error("consensus did not become ready:\n" + consensus_->log_tail());
  if (j->contains("client")) consensus_client = j->at("client").get<std::string>();
  consensus_metrics = j->value("metrics", "");
}

void Cluster::start_agent(const std::string& id, const std::vector<std::string>& caps, int capacity,
                          const std::vector<std::string>& extra_args) {
  std::vector<std::string> args{"--registry", registry_endpoint, "--id", id, "--capacity", std::to_string(capacity)};
  for (const auto& c : caps) args.insert(args.end(), {"--cap", c});
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  agents_[id] = std::make_unique<Process>(bin("orion-example-agent"), args, dir_.file("agent-" + id + ".log"));
}

sdk::ClientOptions Cluster::client_options() const {
  sdk::ClientOptions o;
  o.registry = registry_endpoint;
  o.request_timeout_ms = 2000;
  o.call_timeout_ms = 10'000;
  return o;
}

bool Cluster::wait_agents_up(std::size_t n, std::int64_t timeout_ms) {
  sdk::Client client(client_options());
  return wait_until(
      [&] {
        auto list = client.agents();
        if (!list) return false;
        std::size_t up = 0;
        for (const auto& a : *list) up += a.state == "UP";
        return up >= n;
      },
      timeout_ms);
}

std::string Cluster::logs() const {
  std::string out;
  auto add = [&](const std::string& name, const Process* p) {
    if (p) out += "---- " + name + " ----\n" + p->log_tail(3000) + "\n";
  };
  add("registry", registry_.get());
  add("scheduler", scheduler_.get());
  add("consensus", consensus_.get());
  for (const auto& [id, p] : agents_) add("agent " + id, p.get());
  return out;
}

}  // namespace orion::testing
