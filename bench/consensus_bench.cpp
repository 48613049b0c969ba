#include "bench/consensus_bench.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <zmq.hpp>

#include "bench/consensus_load.h"
#include "bench/stack.h"
#include "common/consensus_messages.h"
#include "common/envelope.h"
#include "common/sockets.h"
#include "tests/integration/scheduler_replicas.h"

namespace orion::bench {

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

void progress(const std::string& line) { std::cerr << "[orion-bench consensus] " << line << std::endl; }

// Nearest-rank percentile of an unsorted sample (p in 0..100).
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(p / 100.0 * static_cast<double>(v.size()))));
  return v[std::min(rank, v.size()) - 1];
}

// The figures of the 3-replica group are those of the single replica prefixed "raft3_".
std::string figure_name(const std::string& base, const std::string& prefix) { return prefix + base; }

const char* const kFigures[] = {"propose_p50_ms",        "propose_p99_ms", "vote_us",         "vote_cpu_us",
                                "decision_event_p50_ms", "decision_event_p99_ms", "decisions_per_s", "decision_cpu_us",
                                "rss_100k_proposals_mib"};

// ---- The stack: orion-registry (the event bus) and 1 or 3 orion-consensus replicas ----------

class ConsensusStack {
 public:
  ConsensusStack(const std::string& name, int replicas) : dir_("orion-bench-" + name) {
    auto registry = start_registry(dir_);
    registry_ = std::move(registry.child);
    registry_endpoint_ = registry.endpoint;
    events_sub_ = registry.events_sub;

    std::string peers;
    for (int id = 1; replicas > 1 && id <= replicas; ++id) {
      peers += (peers.empty() ? "" : ",") + std::to_string(id) + "@127.0.0.1:" + std::to_string(testing::free_port());
    }
    for (int id = 1; id <= replicas; ++id) {
      auto c = start_consensus(dir_, registry_endpoint_, id, peers);
      replicas_.push_back(std::move(c.child));
      clients_.push_back(c.client);
    }
  }

  ~ConsensusStack() {
    replicas_.clear();  // each stopped by PID (Child)
    registry_.reset();
  }

  const std::string& events_sub() const { return events_sub_; }
  const std::vector<std::string>& clients() const { return clients_; }
  // PIDs of the replica with this client endpoint, or of every replica.
  pid_t pid_of(const std::string& client) const {
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      if (clients_[i] == client) return replicas_[i]->pid();
    }
    return -1;
  }
  // CPU seconds used so far by each replica, in the order of clients().
  std::vector<double> cpu_seconds_of_replicas() const {
    std::vector<double> out;
    for (const auto& r : replicas_) out.push_back(cpu_seconds(r->pid()));
    return out;
  }

  std::string logs() const {
    std::string out;
    if (registry_) out += "---- registry ----\n" + registry_->process().log_tail(2000) + "\n";
    for (std::size_t i = 0; i < replicas_.size(); ++i) {
      out += "---- consensus " + std::to_string(i + 1) + " ----\n" + replicas_[i]->process().log_tail(2000) + "\n";
    }
    return out;
  }

 private:
  testing::TempDir dir_;  // declared first: removed after every process has stopped
  std::string registry_endpoint_, events_sub_;
  std::unique_ptr<Child> registry_;
  std::vector<std::unique_ptr<Child>> replicas_;
  std::vector<std::string> clients_;
};

// The replies of the pipelined decisions, read from their msgpack bytes: the client shares the
// 2 cores with the replicas it measures, so it builds no Json tree per reply.
bool keep_replies_packed(MsgType type) { return type == MsgType::PROPOSE_OK || type == MsgType::VOTE_OK; }

std::string proposal_id_of(const Envelope& reply) {
  auto ok = ProposeOk::from_body(reply.body);
  if (reply.type != MsgType::PROPOSE_OK || !ok) {
    throw std::runtime_error("expected PROPOSE_OK, got " + std::string(to_string(reply.type)) + " " + reply.body.dump());
  }
  return ok->proposal_id;
}

// "p17" -> 17
std::uint64_t number_of(const std::string& id) { return std::stoull(id.substr(1)); }

struct Sizes {
  int propose_warmup, propose_samples;  // sequential PROPOSE
  int vote_proposals;                   // x3 pipelined votes
  int event_samples;                    // sequential deciding votes, event on the bus
  int decide_proposals;                 // pipelined lifecycles
  int rss_proposals;                    // proposals made before the leader's VmRSS is read
};

Sizes sizes(bool quick) {
  if (quick) return Sizes{20, 200, 500, 50, 1'000, 10'000};
  return Sizes{100, 2'000, 5'000, 500, 20'000, 100'000};
}

// Requests in flight on one DEALER in the pipelined figures.
constexpr std::size_t kWindow = 1024;

// ---- One group ----------------------------------------------------------------------------------

class Group {
 public:
  Group(const std::string& prefix, int replicas, const Sizes& sz, const ConsensusBenchOptions& options)
      : prefix_(prefix), replicas_(replicas), sz_(sz), options_(options) {}

  bool wanted(const std::string& base) const { return options_.only.empty() || options_.only.count(name(base)) > 0; }
  std::string name(const std::string& base) const { return figure_name(base, prefix_); }
  void print(const std::string& base, double value, const char* unit) {
    if (!wanted(base)) return;
    char text[64];
    std::snprintf(text, sizeof text, std::string(unit) == "/s" ? "%.0f" : "%.3f", value);
    std::cout << name(base) << " " << text << " " << unit << std::endl;
  }

  void run() {
    if (std::none_of(std::begin(kFigures), std::end(kFigures), [&](const char* f) { return wanted(f); })) return;
    progress("starting registry and " + std::to_string(replicas_) + " consensus replica(s)");
    ConsensusStack stack("consensus-" + std::to_string(replicas_), replicas_);
    try {
      std::string leader = leader_ = find_leader(stack);
      Pipe pipe(leader);
      // Warm-up, and the first id: proposals are numbered in log order from p1.
      next_number_ = number_of(proposal_id_of(pipe.call(work_.propose(rid()), 20'000))) + 1;
      if (wanted("propose_p50_ms") || wanted("propose_p99_ms")) propose_latency(pipe);
      if (wanted("vote_us") || wanted("vote_cpu_us")) vote_time(pipe, stack.pid_of(leader));
      if (wanted("decision_event_p50_ms") || wanted("decision_event_p99_ms")) event_latency(pipe, stack);
      if (wanted("decisions_per_s") || wanted("decision_cpu_us")) decisions(pipe, stack);
      if (wanted("rss_100k_proposals_mib")) proposals_rss(pipe, stack);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string(e.what()) + "\n" + stack.logs());
    }
  }

 private:
  std::string rid() { return "b" + std::to_string(++request_); }

  // The leader's client endpoint (the only replica, or the Raft leader once it is elected).
  std::string find_leader(const ConsensusStack& stack) {
    if (replicas_ == 1) return stack.clients()[0];
    std::string found;
    bool ok = testing::wait_until(
        [&] {
          for (const auto& ep : stack.clients()) {
            Pipe p(ep);
            p.send(frames_of(MsgType::GET_REPLICA, rid(), Json::object()));
            auto r = p.receive(500);
            if (!r || r->type != MsgType::REPLICA_INFO) continue;
            auto info = ReplicaInfo::from_body(r->body);
            if (info && info->role == "leader") {
              found = ep;
              return true;
            }
          }
          return false;
        },
        20'000);
    if (!ok) throw std::runtime_error("no Raft leader within 20 s");
    return found;
  }

  // Creates n proposals, pipelined; returns their ids in creation order (not timed).
  std::vector<std::string> create(Pipe& pipe, int n) {
    std::vector<std::string> ids;
    int sent = 0;
    while (static_cast<int>(ids.size()) < n) {
      while (sent < n && sent - static_cast<int>(ids.size()) < static_cast<int>(kWindow)) {
        pipe.send(work_.propose(rid()));
        ++sent;
      }
      auto r = pipe.receive(30'000);
      if (!r) throw std::runtime_error("creating proposals: " + r.error().to_string());
      ids.push_back(proposal_id_of(*r));
    }
    next_number_ += static_cast<std::uint64_t>(n);
    return ids;
  }

  // Sequential PROPOSE of a MAJORITY proposal with 5 voters: time to PROPOSE_OK (durable).
  void propose_latency(Pipe& pipe) {
    progress(name("propose_ms") + ": " + std::to_string(sz_.propose_samples) + " sequential proposals");
    std::vector<double> ms;
    for (int i = 0; i < sz_.propose_warmup + sz_.propose_samples; ++i) {
      Frames f = work_.propose(rid());
      auto t0 = Clock::now();
      pipe.send(f);
      auto r = pipe.receive(10'000);
      auto t1 = Clock::now();
      if (!r) throw std::runtime_error("propose: " + r.error().to_string());
      proposal_id_of(*r);
      ++next_number_;
      if (i >= sz_.propose_warmup) ms.push_back(ms_between(t0, t1));
    }
    print("propose_p50_ms", percentile(ms, 50), "ms");
    print("propose_p99_ms", percentile(ms, 99), "ms");
  }

  // Pipelined VOTEs, 3 yes votes on each of n proposals (the third decides it), all counted:
  // wall time from the first VOTE sent to the last VOTE_OK received, divided by the votes.
  void vote_time(Pipe& pipe, pid_t leader_pid) {
    auto ids = create(pipe, sz_.vote_proposals);
    std::vector<Frames> votes;
    for (const auto& id : ids) {
      for (auto& f : work_.votes(id, rid() + "-")) votes.push_back(std::move(f));
    }
    progress(name("vote_us") + ": " + std::to_string(votes.size()) + " signed votes, pipelined (" +
             std::to_string(kWindow) + " in flight)");
    std::size_t sent = 0, answered = 0;
    const double cpu0 = cpu_seconds(leader_pid);
    auto t0 = Clock::now();
    while (answered < votes.size()) {
      while (sent < votes.size() && sent - answered < kWindow) pipe.send(votes[sent++]);
      auto r = pipe.receive(30'000);
      if (!r) throw std::runtime_error("votes: " + r.error().to_string());
      auto ok = VoteOk::from_body(r->body);
      if (r->type != MsgType::VOTE_OK || !ok || ok->duplicate) {
        throw std::runtime_error("vote not counted: " + std::string(to_string(r->type)) + " " + r->body.dump());
      }
      ++answered;
    }
    double us = ms_between(t0, Clock::now()) * 1000.0 / static_cast<double>(votes.size());
    double cpu_us = (cpu_seconds(leader_pid) - cpu0) * 1e6 / static_cast<double>(votes.size());
    progress(name("vote_us") + ": " + std::to_string(1e6 / us) + " votes/s");
    print("vote_us", us, "us");
    print("vote_cpu_us", cpu_us, "us");
  }

  // Sequential: a proposal, two yes votes (answered), then the deciding third: the time from
  // sending it to the proposal.decided event arriving on the bus (through the registry).
  void event_latency(Pipe& pipe, const ConsensusStack& stack) {
    zmq::context_t ctx;
    auto sub = make_socket(ctx, zmq::socket_type::sub);
    sub.set(zmq::sockopt::subscribe, "proposal.decided");
    sub.connect(stack.events_sub());
    auto decided = [&](const std::string& id, std::int64_t timeout_ms) {
      auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
      while (Clock::now() < deadline) {
        zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds(10));
        Incoming in;
        while (receive(sub, in, false, true)) {
          if (in.envelope && in.envelope->body.contains("data") && in.envelope->body["data"].value("proposal_id", "") == id) {
            return true;
          }
        }
      }
      return false;
    };
    auto one = [&](std::int64_t timeout_ms) -> double {
      std::string id = proposal_id_of(pipe.call(work_.propose(rid())));
      ++next_number_;
      auto votes = work_.votes(id, rid() + "-");
      for (int v = 0; v < kDecidingYes - 1; ++v) pipe.call(votes[static_cast<std::size_t>(v)]);
      auto t0 = Clock::now();
      pipe.send(votes.back());
      double ms = decided(id, timeout_ms) ? ms_between(t0, Clock::now()) : -1;
      auto r = pipe.receive(10'000);  // its VOTE_OK, also when the event did not show
      if (!r || r->type != MsgType::VOTE_OK) throw std::runtime_error("deciding vote not answered VOTE_OK");
      return ms;
    };
    // The subscription reaches the publisher asynchronously: decide until an event shows.
    bool subscribed = testing::wait_until([&] { return one(200) >= 0; }, 20'000);
    if (!subscribed) throw std::runtime_error("no proposal.decided event on the bus within 20 s");
    progress(name("decision_event_ms") + ": " + std::to_string(sz_.event_samples) + " sequential decisions");
    std::vector<double> ms;
    for (int i = 0; i < sz_.event_samples; ++i) {
      double m = one(10'000);
      if (m < 0) throw std::runtime_error("a proposal.decided event did not arrive within 10 s");
      ms.push_back(m);
    }
    print("decision_event_p50_ms", percentile(ms, 50), "ms");
    print("decision_event_p99_ms", percentile(ms, 99), "ms");
  }

  // n whole lifecycles, pipelined: n PROPOSEs, and as each PROPOSE_OK comes back the proposal's
  // three yes votes (signed beforehand: ids are predictable, p<next>.. in log order), until each
  // is decided (VOTE_OK with outcome APPROVED). Returns the seconds from the first PROPOSE sent to
  // the last decision; the signing is not counted.
  double lifecycles(Pipe& pipe, int n, const std::string& figure) {
    const std::uint64_t first = next_number_;
    progress(figure + ": signing " + std::to_string(n * kDecidingYes) + " votes beforehand");
    std::vector<Frames> proposes;
    std::vector<std::vector<Frames>> votes;
    for (int i = 0; i < n; ++i) {
      proposes.push_back(work_.propose(rid()));
      votes.push_back(work_.votes("p" + std::to_string(first + static_cast<std::uint64_t>(i)), rid() + "-"));
    }
    progress(figure + ": " + std::to_string(n) + " MAJORITY proposals of 5 voters, 3 yes votes each, pipelined");
    std::deque<const Frames*> ready;  // votes whose proposal exists, sent before new proposals
    std::size_t next_propose = 0, in_flight = 0;
    int decided = 0;
    auto t0 = Clock::now();
    while (decided < n) {
      while (in_flight < kWindow && (!ready.empty() || next_propose < proposes.size())) {
        if (!ready.empty()) {
          pipe.send(*ready.front());
          ready.pop_front();
        } else {
          pipe.send(proposes[next_propose++]);
        }
        ++in_flight;
      }
      auto r = pipe.receive(30'000, keep_replies_packed);
      if (!r) throw std::runtime_error(figure + ": " + r.error().to_string());
      --in_flight;
      if (r->type == MsgType::PROPOSE_OK) {
        auto ok = ProposeOk::from_packed(r->packed_body);
        if (!ok) throw std::runtime_error(figure + ": bad PROPOSE_OK: " + ok.error().to_string());
        auto k = number_of(ok->proposal_id);
        if (k < first || k >= first + static_cast<std::uint64_t>(n)) {
          throw std::runtime_error("unexpected proposal id p" + std::to_string(k));
        }
        for (const auto& f : votes[k - first]) ready.push_back(&f);
      } else if (r->type == MsgType::VOTE_OK) {
        auto ok = VoteOk::from_packed(r->packed_body);
        if (!ok || ok->duplicate) throw std::runtime_error("vote not counted: " + body_of(*r).dump());
        decided += ok->outcome == Outcome::APPROVED;
      } else {
        throw std::runtime_error(figure + ": " + std::string(to_string(r->type)) + " " + r->body.dump());
      }
    }
    next_number_ += static_cast<std::uint64_t>(n);
    return ms_between(t0, Clock::now()) / 1000.0;
  }

  // Decisions per second over sz_.decide_proposals lifecycles, and the CPU time they cost.
  void decisions(Pipe& pipe, const ConsensusStack& stack) {
    const int n = sz_.decide_proposals;
    const std::vector<double> cpu0 = stack.cpu_seconds_of_replicas();
    const double client0 = cpu_seconds(::getpid());
    double s = lifecycles(pipe, n, name("decisions_per_s"));
    const std::vector<double> cpu1 = stack.cpu_seconds_of_replicas();
    const double client_us = (cpu_seconds(::getpid()) - client0) * 1e6 / n;
    double cpu_us = 0;
    std::string each;
    for (std::size_t i = 0; i < cpu1.size(); ++i) {
      double us = (cpu1[i] - cpu0[i]) * 1e6 / n;
      cpu_us += us;
      each += " " + std::string(stack.clients()[i] == leader_ ? "leader " : "") + std::to_string(static_cast<int>(us));
    }
    progress(name("decision_cpu_us") + ": per replica (us):" + each + "; this client " +
             std::to_string(static_cast<int>(client_us)));
    print("decisions_per_s", n / s, "/s");
    print("decision_cpu_us", cpu_us, "us");
  }

  // VmRSS of the leader once sz_.rss_proposals proposals were made on it (the earlier figures'
  // included), the rest as whole lifecycles, all decided but those earlier ones left open.
  void proposals_rss(Pipe& pipe, const ConsensusStack& stack) {
    const pid_t pid = stack.pid_of(leader_);
    const double before = rss_mib(pid);
    const int made = static_cast<int>(next_number_ - 1);
    const int n = std::max(0, sz_.rss_proposals - made);
    lifecycles(pipe, n, name("rss_100k_proposals_mib"));
    testing::pause_ms(500);  // the last decisions' writes and events leave the leader's queues
    const double rss = rss_mib(pid);
    if (rss < 0) throw std::runtime_error("cannot read VmRSS of orion-consensus");
    progress(name("rss_100k_proposals_mib") + ": " + std::to_string(before) + " MiB before " + std::to_string(n) +
             " lifecycles, " + std::to_string(rss) + " MiB after (" + std::to_string(made + n) + " proposals); " +
             std::to_string((rss - before) * 1048576.0 / std::max(1, n)) + " bytes per proposal");
    print("rss_100k_proposals_mib", rss, "MiB");
  }

  const std::string prefix_;
  const int replicas_;
  const Sizes sz_;
  const ConsensusBenchOptions& options_;
  Workload work_;
  std::uint64_t request_ = 0;
  std::uint64_t next_number_ = 1;  // the id the next proposal will get
  std::string leader_;             // the client endpoint the figures were measured at
};

}  // namespace

const std::vector<std::string>& consensus_figure_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const char* prefix : {"", "raft3_"}) {
      for (const char* f : kFigures) out.push_back(figure_name(f, prefix));
    }
    return out;
  }();
  return names;
}

int run_consensus_bench(const ConsensusBenchOptions& options) {
  const Sizes sz = sizes(options.quick);
  int rc = 0;
  for (auto [prefix, replicas] : {std::pair<const char*, int>{"", 1}, {"raft3_", 3}}) {
    try {
      Group(prefix, replicas, sz, options).run();
    } catch (const std::exception& e) {
      std::cerr << "[orion-bench consensus] " << replicas << " replica(s) failed: " << e.what() << "\n";
      rc = 1;
    }
  }
  return rc;
}

}  // namespace orion::bench
