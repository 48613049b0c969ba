#include "bench/stack.h"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "common/consensus_messages.h"
#include "common/curve_keys.h"
#include "common/ids.h"
#include "common/transport_security.h"
#include "tests/integration/scheduler_replicas.h"

namespace orion::bench {

namespace {

std::array<std::atomic<pid_t>, 64> g_children{};  // 0 = free slot

// The services' log level: warn, or ORION_BENCH_LOG_LEVEL to see what a run did (info costs
// some throughput, so figures are taken at warn).
std::string log_level() {
  const char* v = std::getenv("ORION_BENCH_LOG_LEVEL");
  return v && *v ? v : "warn";
}

}  // namespace

std::string bin_dir() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto dir = self.parent_path();
    if (std::filesystem::exists(dir / "orion-scheduler", ec)) return dir.string();
  }
  return ORION_BIN_DIR;
}

void track_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, pid)) return;
  }
  // More than 64 children: the handler cannot kill this one, the destructor still will.
}

void untrack_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void kill_tracked_children() {
  for (auto& slot : g_children) {
    pid_t pid = slot.load();
    if (pid > 0) ::kill(pid, SIGKILL);
  }
}

Child::Child(const std::string& path, const std::vector<std::string>& args, const std::string& log_path)
    : process_(std::make_unique<testing::Process>(path, args, log_path)), pid_(process_->pid()) {
  track_child(pid_);
}

Child::~Child() {
  // A scheduler holding a million tasks may take a moment to close its store.
  process_->stop(10'000);
  untrack_child(pid_);
}

StartedRegistry start_registry(const testing::TempDir& dir, const std::vector<std::string>& extra) {
  const std::string any = "tcp://127.0.0.1:0", ready = dir.file("registry.ready");
  StartedRegistry r;
  std::vector<std::string> args{"--bind", any, "--bind-events-pub", any, "--bind-events-sub", any, "--data-dir",
                                dir.file("registry"), "--ready-file", ready, "--log-level", log_level()};
  args.insert(args.end(), extra.begin(), extra.end());
  r.child = std::make_unique<Child>(bin_dir() + "/orion-registry", args, dir.file("registry.log"));
  auto j = testing::wait_for_json_file(ready, 10'000);
  if (!j) throw std::runtime_error("orion-registry did not become ready:\n" + r.child->process().log_tail(2000));
  r.endpoint = j->at("registry").get<std::string>();
  r.events_sub = j->at("events_sub").get<std::string>();
  return r;
}

StartedConsensus start_consensus(const testing::TempDir& dir, const std::string& registry, int id,
                                 const std::string& peers, const std::vector<std::string>& extra) {
  const std::string n = std::to_string(id), ready = dir.file("consensus-" + n + ".ready");
  std::vector<std::string> args{"--registry",   registry, "--bind-client", "tcp://127.0.0.1:0", "--data-dir",
                                dir.file("consensus-" + n), "--ready-file", ready, "--log-level", log_level()};
  if (!peers.empty()) args.insert(args.end(), {"--id", n, "--peers", peers});
  args.insert(args.end(), extra.begin(), extra.end());
  StartedConsensus c;
  c.child = std::make_unique<Child>(bin_dir() + "/orion-consensus", args, dir.file("consensus-" + n + ".log"));
  auto j = testing::wait_for_json_file(ready, 10'000);
  if (!j) throw std::runtime_error("orion-consensus " + n + " did not become ready:\n" + c.child->process().log_tail(2000));
  c.client = j->at("client").get<std::string>();
  return c;
}

std::int64_t sqlite_store_bytes(const std::string& db_path) {
  std::int64_t total = 0;
  for (const std::string& f : {db_path, db_path + "-wal"}) {
    std::error_code ec;
    auto n = std::filesystem::file_size(f, ec);
    if (!ec) total += static_cast<std::int64_t>(n);
  }
  return total;
}

Stack::Stack(const std::string& name, const StackConfig& config) : dir_("orion-bench-" + name) {
  const std::string bin = bin_dir();
  const std::string any = "tcp://127.0.0.1:0";

  if (config.curve) {
    // Three key pairs and the policy that admits them; this process is the client.
    auto pair = [&](const std::string& who) {
      const std::string path = dir_.file(who + ".key");
      if (auto s = write_key_pair(path, generate_curve_key_pair()); !s) throw std::runtime_error(s.error().to_string());
      return path;
    };
    const std::string services = pair("services"), agents = pair("agents"), client = pair("client");
    auto pub = [](const std::string& path) { return read_public_key(path + ".pub").value(); };
    const std::string policy = dir_.file("policy.yaml");
    std::ofstream(policy) << "principals:\n"
                          << "  services: {key: \"" << pub(services) << "\", roles: [service]}\n"
                          << "  bench: {key: \"" << pub(client) << "\", roles: [admin]}\n"
                          << "  agents: {key: \"" << pub(agents) << "\", roles: [agent], agents: [\"*\"]}\n";
    service_keys_ = {"--curve-key", services, "--policy", policy};
    agent_keys_ = {"--curve-key", agents, "--curve-server-key", services + ".pub"};
    auto mine = load_transport_security(client, services + ".pub");
    if (!mine) throw std::runtime_error(mine.error().to_string());
    set_transport_security(std::move(*mine));
    curve_ = true;
  }

  auto registry = start_registry(dir_, service_keys_);
  registry_ = std::move(registry.child);
  registry_endpoint_ = registry.endpoint;

  std::vector<std::string> retention;
  if (!config.retention.empty()) retention = {"--retention", config.retention};
  if (config.consensus) {
    std::vector<std::string> extra = retention;
    extra.insert(extra.end(), service_keys_.begin(), service_keys_.end());
    auto c = start_consensus(dir_, registry_endpoint_, 1, "", extra);
    consensus_ = std::move(c.child);
    consensus_client_ = c.client;
  }

  std::string peers;
  if (config.scheduler_replicas > 1) {
    for (int i = 1; i <= config.scheduler_replicas; ++i) {
      peers += (peers.empty() ? "" : ",") + std::to_string(i) + "@127.0.0.1:" + std::to_string(testing::free_port());
    }
  }
  for (int i = 0; i < config.scheduler_replicas; ++i) {
    const std::string replica = "scheduler-" + std::to_string(i + 1);
    // Replicas keep their ports across restarts (a deposed leader restarts itself in place).
    const std::string client_ep = peers.empty() ? any : "tcp://127.0.0.1:" + std::to_string(testing::free_port());
    const std::string agent_ep = peers.empty() ? any : "tcp://127.0.0.1:" + std::to_string(testing::free_port());
    std::vector<std::string> args{"--registry",   registry_endpoint_,     "--bind-client", client_ep,
                                  "--bind-agent", agent_ep,               "--data-dir",    dir_.file(replica),
                                  "--ready-file", dir_.file(replica + ".ready"), "--log-level", log_level()};
    // Queued benchmark tasks must stay queued, never fail as unschedulable.
    if (scheduler_has_flag("unschedulable-timeout")) args.insert(args.end(), {"--unschedulable-timeout", "0"});
    if (!peers.empty()) args.insert(args.end(), {"--id", std::to_string(i + 1), "--peers", peers});
    args.insert(args.end(), retention.begin(), retention.end());
    args.insert(args.end(), service_keys_.begin(), service_keys_.end());
    if (scheduler_has_flag("metrics-bind")) args.insert(args.end(), {"--metrics-bind", config.metrics_bind});
    args.insert(args.end(), config.scheduler_args.begin(), config.scheduler_args.end());
    scheduler_args_.push_back(std::move(args));
    schedulers_.emplace_back();
    scheduler_clients_.emplace_back();
    scheduler_metrics_.emplace_back();
    start_scheduler(i);
  }
  {
    // The ready file is written before the registry has the scheduler's ANNOUNCE.
    sdk::Client client(client_options());
    bool known = testing::wait_until(
        [&] {
          auto d = client.discover();
          return d && !d->scheduler_client.empty();
        },
        10'000);
    if (!known) throw std::runtime_error("the registry never learned the scheduler's address:\n" + logs());
  }

  for (int i = 0; i < config.agents; ++i) {
    std::string id = "bench-agent-" + std::to_string(i + 1);
    std::vector<std::string> a{"--registry", registry_endpoint_, "--id", id, "--capacity",
                               std::to_string(config.agent_capacity), "--log-level", log_level()};
    for (const auto& c : config.agent_caps) a.insert(a.end(), {"--cap", c});
    a.insert(a.end(), agent_keys_.begin(), agent_keys_.end());
    agents_.push_back(std::make_unique<Child>(bin + "/orion-example-agent", a, dir_.file(id + ".log")));
  }
  if (config.agents > 0) {
    wait_agents_up(static_cast<std::size_t>(config.agents), 20'000);
    testing::pause_ms(300);  // registered with the registry; let them attach to the scheduler too
  }
}

Stack::~Stack() {
  // Agents first, then the scheduler, consensus, the registry: each stops while its peers still answer.
  agents_.clear();
  schedulers_.clear();
  consensus_.reset();
  registry_.reset();
  if (curve_) set_transport_security({});  // this process's clients speak plain ZMTP again
  // ORION_BENCH_KEEP_LOGS=DIR: the services' logs are copied there before the stack's directory goes.
  if (const char* keep = std::getenv("ORION_BENCH_KEEP_LOGS"); keep && *keep) {
    std::error_code ec;
    std::filesystem::create_directories(keep, ec);
    for (const auto& e : std::filesystem::directory_iterator(dir_.path(), ec)) {
      if (e.path().extension() == ".log") {
        std::filesystem::copy_file(e.path(), std::filesystem::path(keep) / e.path().filename(),
                                   std::filesystem::copy_options::overwrite_existing, ec);
      }
    }
  }
}

void Stack::start_scheduler(int i, std::int64_t ready_timeout_ms) {
  const std::string name = "scheduler-" + std::to_string(i + 1);
  const std::string ready = dir_.file(name + ".ready");
  std::remove(ready.c_str());
  schedulers_[static_cast<std::size_t>(i)].reset();
  schedulers_[static_cast<std::size_t>(i)] =
      std::make_unique<Child>(bin_dir() + "/orion-scheduler", scheduler_args_[static_cast<std::size_t>(i)],
                              dir_.file(name + ".log"));
  auto s = testing::wait_for_json_file(ready, ready_timeout_ms);
  if (!s) throw std::runtime_error(name + " did not become ready:\n" + logs());
  scheduler_clients_[static_cast<std::size_t>(i)] = s->at("client").get<std::string>();
  scheduler_metrics_[static_cast<std::size_t>(i)] = s->value("metrics", "");
}

std::string Stack::scheduler_store(int i) const {
  return dir_.file("scheduler-" + std::to_string(i + 1)) + "/scheduler.db";
}

std::string Stack::consensus_store() const { return dir_.file("consensus-1") + "/consensus.db"; }

void Stack::kill_scheduler(int i) { schedulers_.at(static_cast<std::size_t>(i))->process().kill9(); }

void Stack::stop_scheduler(int i, std::int64_t stop_timeout_ms) {
  schedulers_.at(static_cast<std::size_t>(i))->process().stop(stop_timeout_ms);
}

void Stack::restart_scheduler(int i, std::int64_t ready_timeout_ms) { start_scheduler(i, ready_timeout_ms); }

std::optional<Stack::ReplicaState> Stack::replica(int i, std::int64_t timeout_ms) const {
  const auto& c = schedulers_.at(static_cast<std::size_t>(i));
  if (!c || !c->process().running()) return std::nullopt;
  auto r = testing::ask(scheduler_clients_.at(static_cast<std::size_t>(i)),
                        Envelope{MsgType::GET_REPLICA, random_hex(8), Json::object()}, timeout_ms);
  if (!r || r->type != MsgType::REPLICA_INFO) return std::nullopt;
  auto info = ReplicaInfo::from_body(r->body);
  if (!info) return std::nullopt;
  return ReplicaState{info->role, info->commit_index, info->applied, info->tasks};
}

int Stack::leader(std::int64_t timeout_ms) const {
  int found = -1;
  testing::wait_until(
      [&] {
        for (int i = 0; i < scheduler_replicas(); ++i) {
          auto r = replica(i);
          if (r && r->role == "leader") {
            found = i;
            return true;
          }
        }
        return false;
      },
      timeout_ms);
  return found;
}

sdk::ClientOptions Stack::client_options() const {
  sdk::ClientOptions o;
  o.registry = registry_endpoint_;
  o.request_timeout_ms = 10'000;
  o.batch_timeout_ms = 180'000;
  o.call_timeout_ms = 20'000;  // two tries' worth
  return o;
}

void Stack::wait_agents_up(std::size_t n, std::int64_t timeout_ms) {
  sdk::Client client(client_options());
  bool up = testing::wait_until(
      [&] {
        auto list = client.agents();
        if (!list) return false;
        std::size_t count = 0;
        for (const auto& a : *list) count += a.state == "UP";
        return count >= n;
      },
      timeout_ms);
  if (!up) throw std::runtime_error("agents did not come up:\n" + logs());
}

std::string Stack::logs() const {
  std::string out;
  auto add = [&](const std::string& name, const std::unique_ptr<Child>& c) {
    if (c) out += "---- " + name + " ----\n" + c->process().log_tail(2000) + "\n";
  };
  add("registry", registry_);
  add("consensus", consensus_);
  for (std::size_t i = 0; i < schedulers_.size(); ++i) add("scheduler " + std::to_string(i + 1), schedulers_[i]);
  for (std::size_t i = 0; i < agents_.size(); ++i) add("agent " + std::to_string(i + 1), agents_[i]);
  return out;
}

std::vector<std::pair<std::string, pid_t>> Stack::processes() const {
  std::vector<std::pair<std::string, pid_t>> out;
  if (registry_) out.emplace_back("registry", registry_->pid());
  if (consensus_) out.emplace_back("consensus", consensus_->pid());
  for (const auto& s : schedulers_) {
    if (s) out.emplace_back("scheduler", s->pid());
  }
  for (const auto& a : agents_) {
    if (a) out.emplace_back("agent", a->pid());
  }
  return out;
}

double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double rss_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      double kib = -1;
      fields >> kib;
      return kib < 0 ? -1 : kib / 1024.0;
    }
  }
  return -1;
}

bool scheduler_has_flag(const std::string& flag) {
  static std::string help;  // the binary does not change during a run
  if (help.empty()) {
    testing::TempDir dir("orion-bench-help");
    auto r = testing::run_command(bin_dir() + "/orion-scheduler", {"--help"}, dir.path(), 10'000);
    help = r.out + r.err + " ";
  }
  return help.find("--" + flag) != std::string::npos;
}

}  // namespace orion::bench
