#include "sdk/cpp/default_signals.h"

#include <atomic>

namespace orion::sdk {
namespace {

// The agent the handlers act on; null when none holds them. Lock-free atomics only: read in a
// signal handler.
std::atomic<void*> g_agent{nullptr};
std::atomic<DefaultSignals::Action> g_drain{nullptr}, g_stop{nullptr};
std::atomic<int> g_terms{0};

void on_term(int) {
  void* agent = g_agent.load();
  if (!agent) return;
  auto act = g_terms.fetch_add(1) == 0 ? g_drain.load() : g_stop.load();
  if (act) act(agent);
}

void on_int(int) {
  void* agent = g_agent.load();
  if (auto act = g_stop.load(); agent && act) act(agent);
}

// Installs `handler` for `sig` when its disposition is the default; keeps the old one in `old`.
bool take(int sig, void (*handler)(int), struct sigaction& old) {
  if (sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO)) return false;
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  return sigaction(sig, &sa, nullptr) == 0;
}

}  // namespace

DefaultSignals::DefaultSignals(void* agent, Action drain, Action stop) {
  void* none = nullptr;
  if (!g_agent.compare_exchange_strong(none, agent)) return;  // another agent of this process has them
  g_drain.store(drain);
  g_stop.store(stop);
  g_terms.store(0);
  term_ = take(SIGTERM, on_term, old_term_);
  intr_ = take(SIGINT, on_int, old_int_);
  if (!installed()) g_agent.store(nullptr);
}

DefaultSignals::~DefaultSignals() {
  if (!installed()) return;
  if (term_) sigaction(SIGTERM, &old_term_, nullptr);
  if (intr_) sigaction(SIGINT, &old_int_, nullptr);
  g_agent.store(nullptr);
}

}  // namespace orion::sdk
