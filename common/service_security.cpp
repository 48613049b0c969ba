#include "common/logfmt.h"
#include "common/service_security.h"

#include <csignal>

#include <atomic>
#include <mutex>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/transport_security.h"

namespace orion {
namespace {

std::atomic<bool> g_reload{false};
extern "C" void on_sighup(int) { g_reload = true; }  // async-signal-safe: one atomic store

struct Enforced {
  std::string path;
  std::shared_ptr<const Policy> policy;
  std::shared_ptr<const KeyRing> ring;
  std::mutex reload;  // one reload at a time (ZAP handlers of several contexts ask)
  std::vector<PolicyReload> done;  // under `reload`: not yet taken (take_policy_reloads)
};

void note_reload(Enforced& e, PolicyReload r) {
  constexpr std::size_t kKept = 16;
  if (e.done.size() >= kKept) e.done.erase(e.done.begin());
  e.done.push_back(std::move(r));
}

Enforced& enforced() {
  static Enforced e;
  return e;
}

// The ring to admit now, after the reload SIGHUP asked for, if any.
std::shared_ptr<const KeyRing> admitted_now() {
  Enforced& e = enforced();
  if (g_reload.load()) {
    std::lock_guard<std::mutex> lock(e.reload);
    if (g_reload.exchange(false)) {
      if (auto fresh = Policy::load(e.path); !fresh) {
        spdlog::error("event=policy_reload_failed policy={} error={} kept=previous",
                      e.path, orion::logfmt_value(fresh.error().message));
        note_reload(e, {false, fresh.error().message});
      } else {
        auto policy = std::make_shared<const Policy>(std::move(*fresh));
        std::atomic_store(&e.ring, std::make_shared<const KeyRing>(policy->key_ring()));
        std::atomic_store(&e.policy, std::shared_ptr<const Policy>(policy));
        spdlog::info("event=policy_reloaded policy={} principals={}", e.path, policy->size());
        note_reload(e, {true, "principals=" + std::to_string(policy->size())});
      }
    }
  }
  return std::atomic_load(&e.ring);
}

}  // namespace

Status setup_service_security(const std::string& key_file, const std::string& server_key_file,
                              const std::string& policy_file) {
  if (key_file.empty() != policy_file.empty()) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      key_file.empty() ? "--policy needs --curve-key: a policy is enforced on CURVE connections"
                                       : "--curve-key needs --policy: the keys that may connect, and what each may do");
  }
  auto security = load_transport_security(key_file, server_key_file);
  if (!security) return security.error();
  if (policy_file.empty()) {
    set_transport_security(std::move(*security));
    return {};
  }
  auto policy = Policy::load(policy_file);
  if (!policy) return policy.error();
  Enforced& e = enforced();
  e.path = policy_file;
  auto shared = std::make_shared<const Policy>(std::move(*policy));
  std::atomic_store(&e.ring, std::make_shared<const KeyRing>(shared->key_ring()));
  std::atomic_store(&e.policy, shared);
  struct sigaction sa {};
  sa.sa_handler = on_sighup;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGHUP, &sa, nullptr);
  security->admitted = admitted_now;
  set_transport_security(std::move(*security));
  spdlog::info("event=security curve=on policy={} principals={}", policy_file, shared->size());
  return {};
}

Status setup_service_security(const cxxopts::ParseResult& args) {
  return setup_service_security(args["curve-key"].as<std::string>(), args["curve-server-key"].as<std::string>(),
                                args["policy"].as<std::string>());
}

std::shared_ptr<const Policy> service_policy() { return std::atomic_load(&enforced().policy); }

std::vector<PolicyReload> take_policy_reloads() {
  if (!service_policy()) return {};
  admitted_now();  // the reload SIGHUP asked for, now rather than at the next connection
  Enforced& e = enforced();
  std::lock_guard<std::mutex> lock(e.reload);
  return std::exchange(e.done, {});
}

Status authorize(const std::string& principal, Action action, const Asked& asked) {
  const auto policy = service_policy();
  if (!policy) return {};
  auto s = policy->allow(principal, action, asked);
  if (!s) {
    static std::atomic<std::int64_t> window_ms{0};
    static std::atomic<int> in_window{0};
    const auto now = steady_now_ms();
    if (now - window_ms.load() >= 1000) window_ms = now, in_window = 0;
    if (++in_window <= 10) {
      spdlog::warn("event=permission_denied principal={} action={} error={}", principal.empty() ? "-" : principal,
                   orion::logfmt_value(to_string(action)), orion::logfmt_value(s.error().message));
    }
  }
  return s;
}

}  // namespace orion
