#include "bench/soak_bench.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "bench/consensus_load.h"
#include "bench/echo_tasks.h"
#include "bench/figures.h"
#include "bench/stack.h"
#include "common/config.h"
#include "common/messages.h"
#include "sdk/cpp/client.h"

namespace orion::bench {

namespace {

using Clock = std::chrono::steady_clock;

void progress(const std::string& line) { std::cerr << "[orion-bench soak] " << line << std::endl; }

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The load, as `throughput_tasks_per_s` puts it: 4 agents of capacity 16, 8 client threads each
// submitting a SUBMIT_BATCH of 500 echo tasks (a fresh request id each) and waiting for all of
// them with one WAIT_TASKS. So at most 8 x 500 tasks are not yet terminal at any moment.
constexpr int kAgents = 4, kCapacity = 16, kThreads = 8, kWindow = 500;
constexpr std::int64_t kTasksPerProposal = 100;  // 50,000 proposals per 5,000,000 tasks
constexpr std::int64_t kSamples = 10;            // a sample every tasks / kSamples completed
constexpr std::int64_t kWaitMs = 120'000;        // one window's WAIT_TASKS, one proposal's replies

const char* const kFigures[] = {"soak_throughput_tasks_per_s",   "soak_scheduler_rss_mib",
                                "soak_scheduler_rss_growth_mib", "soak_scheduler_store_mib",
                                "soak_scheduler_store_growth_mib", "soak_consensus_rss_mib",
                                "soak_consensus_rss_growth_mib", "soak_consensus_store_mib",
                                "soak_consensus_store_growth_mib"};

double mib(std::int64_t bytes) { return static_cast<double>(bytes) / 1048576.0; }

// One point of the series.
struct Sample {
  std::int64_t tasks = 0;    // echo tasks COMPLETED (answered by WAIT_TASKS) so far
  std::int64_t decided = 0;  // proposals APPROVED so far
  double elapsed_s = 0;      // since the first timed task was sent
  double scheduler_rss_mib = 0, consensus_rss_mib = 0;             // VmRSS
  std::int64_t scheduler_store_bytes = 0, consensus_store_bytes = 0;  // the .db plus its -wal
  std::int64_t scheduler_tasks = -1;      // tasks the scheduler holds (SCHEDULER_STATS), -1: no answer
  std::int64_t consensus_proposals = -1;  // proposals orion-consensus holds (PROPOSAL_STATS), -1: no answer
  // Tasks completed within the last retention window: what the scheduler should hold (plus
  // those not yet terminal) once expiry keeps up.
  std::int64_t ended_within_retention = 0;

  void print() const {
    char line[512];
    std::snprintf(line, sizeof line,
                  "soak_sample tasks=%lld decided=%lld elapsed_s=%.1f scheduler_rss_mib=%.1f "
                  "scheduler_store_bytes=%lld consensus_rss_mib=%.1f consensus_store_bytes=%lld "
                  "scheduler_tasks=%lld ended_within_retention=%lld consensus_proposals=%lld",
                  static_cast<long long>(tasks), static_cast<long long>(decided), elapsed_s, scheduler_rss_mib,
                  static_cast<long long>(scheduler_store_bytes), consensus_rss_mib,
                  static_cast<long long>(consensus_store_bytes), static_cast<long long>(scheduler_tasks),
                  static_cast<long long>(ended_within_retention), static_cast<long long>(consensus_proposals));
    std::cout << line << std::endl;
  }
};

// Completed-task counts over time, kept for one retention window (a point every turn of the
// sampling loop, about 10 a second), to tell how many tasks ended within that window.
class CompletionHistory {
 public:
  explicit CompletionHistory(std::int64_t window_ms) : window_ms_(window_ms) {}
  void record(std::int64_t at_ms, std::int64_t completed) {
    points_.emplace_back(at_ms, completed);
    // Keep the newest point at or before the window's start; drop the older ones.
    while (points_.size() > 1 && points_[1].first <= at_ms - window_ms_) points_.pop_front();
  }
  // Completed at at_ms minus completed at the window's start (0 before the first window ends).
  std::int64_t within_window(std::int64_t at_ms, std::int64_t completed) const {
    if (points_.empty() || points_.front().first > at_ms - window_ms_) return completed;
    return completed - points_.front().second;
  }

 private:
  const std::int64_t window_ms_;
  std::deque<std::pair<std::int64_t, std::int64_t>> points_;  // (ms since start, completed)
};

// Decides proposals one after another on one DEALER: PROPOSE, then its 3 signed yes votes
// pipelined; the third decides it APPROVED. Throws std::runtime_error on anything else.
class Proposer {
 public:
  explicit Proposer(const std::string& endpoint) : pipe_(endpoint) {}

  void decide_one() {
    const std::string rid = "soak-" + std::to_string(++request_);
    Envelope reply = pipe_.call(work_.propose(rid), kWaitMs);
    auto ok = ProposeOk::from_body(reply.body);
    if (reply.type != MsgType::PROPOSE_OK || !ok) {
      throw std::runtime_error("expected PROPOSE_OK, got " + std::string(to_string(reply.type)) + " " +
                               reply.body.dump());
    }
    const auto votes = work_.votes(ok->proposal_id, rid + "-");
    for (const auto& f : votes) pipe_.send(f);
    bool approved = false;
    for (std::size_t i = 0; i < votes.size(); ++i) {
      auto r = pipe_.receive(kWaitMs);
      if (!r) throw std::runtime_error("vote on " + ok->proposal_id + ": " + r.error().to_string());
      auto v = VoteOk::from_body(r->body);
      if (r->type != MsgType::VOTE_OK || !v || v->duplicate) {
        throw std::runtime_error("vote on " + ok->proposal_id + " not counted: " + std::string(to_string(r->type)) +
                                 " " + r->body.dump());
      }
      approved = approved || v->outcome == Outcome::APPROVED;
    }
    if (!approved) throw std::runtime_error("proposal " + ok->proposal_id + " not APPROVED by 3 of 5 yes votes");
  }

 private:
  Pipe pipe_;
  Workload work_;
  std::uint64_t request_ = 0;
};

// What the threads of one run share: counters, the first error, and a wake-up for whoever
// waits on the counters (the sampler, the proposer).
struct Shared {
  std::atomic<std::int64_t> completed{0}, decided{0};
  std::atomic<int> warm{0};  // client threads warmed up
  std::atomic<int> workers_left{kThreads};
  std::atomic<bool> go{false}, stop{false};
  std::mutex m;
  std::condition_variable cv;
  std::string first_error;

  void fail(const std::string& e) {
    {
      std::lock_guard<std::mutex> lock(m);
      if (first_error.empty()) first_error = e;
    }
    stop = true;
    notify();
  }
  // After a change of the counters or flags. Under the lock: a waiter that has just found its
  // condition false is then already waiting, so it cannot miss the wake-up.
  void notify() {
    { std::lock_guard<std::mutex> lock(m); }
    cv.notify_all();
  }
  std::string error() {
    std::lock_guard<std::mutex> lock(m);
    return first_error;
  }
  // Until pred() holds, stop is set, or timeout_ms passed.
  template <class Pred>
  void wait(Pred pred, std::int64_t timeout_ms) {
    std::unique_lock<std::mutex> lock(m);
    cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return stop.load() || pred(); });
  }
};

// Joins the run's threads however the run ends (a throw in the sampler too).
class Threads {
 public:
  explicit Threads(Shared& shared) : shared_(shared) {}
  ~Threads() {
    shared_.stop = true;
    shared_.notify();
    join();
  }
  template <class F>
  void start(F f) {
    threads_.emplace_back(std::move(f));
  }
  void join() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  Shared& shared_;
  std::vector<std::thread> threads_;
};

class Soak {
 public:
  explicit Soak(const SoakOptions& options)
      : options_(options),
        proposals_(options.tasks / kTasksPerProposal),
        every_(std::max<std::int64_t>(1, options.tasks / kSamples)),
        stack_("soak", StackConfig{kAgents, kCapacity, {"echo"}, 1, true, options.retention}),
        client_(stack_.client_options()),
        history_(options.retention_ms) {}

  std::vector<Sample> run() {
    progress(std::to_string(options_.tasks) + " echo tasks (" + std::to_string(kAgents) + " agents x capacity " +
             std::to_string(kCapacity) + ", " + std::to_string(kThreads) + " clients, SUBMIT_BATCH of " +
             std::to_string(kWindow) + " then WAIT_TASKS) and " + std::to_string(proposals_) +
             " MAJORITY proposals decided by signed votes; --retention " + options_.retention +
             " for orion-scheduler and orion-consensus; a sample every " + std::to_string(every_) + " tasks");
    Proposer proposer(stack_.consensus_client());
    proposer.decide_one();  // warm-up: connected, the path exercised once (not counted)

    Shared shared;
    std::vector<Sample> samples;
    {
      Threads threads(shared);
      const std::int64_t per = options_.tasks / kThreads, extra = options_.tasks % kThreads;
      for (int t = 0; t < kThreads; ++t) {
        const std::int64_t tasks = per + (t < extra ? 1 : 0);
        threads.start([this, &shared, t, tasks] { client_thread(shared, t, tasks); });
      }
      shared.wait([&] { return shared.warm.load() == kThreads; }, 60'000);
      if (shared.warm.load() != kThreads) throw std::runtime_error("clients did not warm up: " + shared.error());
      t0_ = Clock::now();
      shared.go = true;
      shared.notify();
      threads.start([this, &shared, &proposer] { proposer_thread(shared, proposer); });

      std::int64_t next = every_;
      double seconds = 0;
      while (shared.error().empty()) {
        shared.wait([&] { return shared.completed.load() >= next || shared.workers_left.load() == 0; }, 100);
        const std::int64_t done = shared.completed.load();
        history_.record(elapsed_ms(), done);
        if (done >= next && next < options_.tasks) {
          samples.push_back(sample(shared));
          samples.back().print();
          while (next <= done) next += every_;
        }
        if (shared.workers_left.load() == 0) {
          seconds = seconds_since(t0_);
          break;
        }
      }
      // The proposals still due (at most one per kTasksPerProposal tasks behind), then the end.
      shared.wait([&] { return shared.decided.load() >= proposals_; }, kWaitMs);
      threads.join();
      if (auto e = shared.error(); !e.empty()) throw std::runtime_error(e + "\n" + stack_.logs());
      if (shared.decided.load() < proposals_) throw std::runtime_error("proposals were not all decided");
      throughput_ = static_cast<double>(shared.completed.load()) / seconds;
      history_.record(elapsed_ms(), shared.completed.load());
      samples.push_back(sample(shared));
      samples.back().print();
    }
    return samples;
  }

  double throughput() const { return throughput_; }

 private:
  std::int64_t elapsed_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0_).count();
  }

  void client_thread(Shared& shared, int index, std::int64_t tasks) {
    try {
      sdk::Client client(stack_.client_options());
      // Warm-up outside the timing: discovery, connection, one task end to end.
      expect_completed(client.wait(require_ok(client.submit(echo_task(-1)), "submit"), 30'000), "warm-up");
      ++shared.warm;
      shared.notify();
      shared.wait([&] { return shared.go.load(); }, 120'000);
      for (std::int64_t done = 0; done < tasks && !shared.stop.load();) {
        const int n = static_cast<int>(std::min<std::int64_t>(kWindow, tasks - done));
        wait_completed(client, submit_echo_batch(client, index * 10'000'000LL + done, n), kWaitMs);
        shared.completed.fetch_add(n);
        done += n;
        shared.notify();
      }
    } catch (const std::exception& e) {
      shared.fail(std::string("client ") + std::to_string(index) + ": " + e.what());
    }
    --shared.workers_left;
    shared.notify();
  }

  // Keeps the decided proposals at one per kTasksPerProposal completed tasks.
  void proposer_thread(Shared& shared, Proposer& proposer) {
    try {
      while (!shared.stop.load() && shared.decided.load() < proposals_) {
        auto due = [&] { return std::min(proposals_, shared.completed.load() / kTasksPerProposal); };
        shared.wait([&] { return shared.decided.load() < due(); }, 100);
        while (!shared.stop.load() && shared.decided.load() < due()) {
          proposer.decide_one();
          ++shared.decided;
        }
        shared.notify();
      }
    } catch (const std::exception& e) {
      shared.fail(std::string("proposals: ") + e.what());
    }
  }

  Sample sample(const Shared& shared) {
    Sample s;
    s.tasks = shared.completed.load();
    s.decided = shared.decided.load();
    s.elapsed_s = static_cast<double>(elapsed_ms()) / 1000.0;
    s.ended_within_retention = history_.within_window(elapsed_ms(), s.tasks);
    s.scheduler_rss_mib = rss_mib(stack_.scheduler_pid());
    s.consensus_rss_mib = rss_mib(stack_.consensus_pid());
    if (s.scheduler_rss_mib < 0 || s.consensus_rss_mib < 0) throw std::runtime_error("cannot read VmRSS");
    s.scheduler_store_bytes = sqlite_store_bytes(stack_.scheduler_store());
    s.consensus_store_bytes = sqlite_store_bytes(stack_.consensus_store());
    if (auto stats = client_.scheduler_stats()) {
      s.scheduler_tasks = stats->total;
    } else {
      progress("SCHEDULER_STATS: " + stats.error().to_string());
    }
    if (auto stats = client_.proposal_stats()) {
      s.consensus_proposals = stats->total;
    } else {
      progress("PROPOSAL_STATS: " + stats.error().to_string());
    }
    return s;
  }

  const SoakOptions options_;
  const std::int64_t proposals_;  // decided by the end
  const std::int64_t every_;      // tasks between samples
  Stack stack_;
  sdk::Client client_;  // the sampler's SCHEDULER_STATS
  CompletionHistory history_;
  Clock::time_point t0_;  // the timed run's start: written before the client threads go
  double throughput_ = 0;
};

}  // namespace

Result<SoakOptions> soak_options(bool quick, const std::string& tasks, const std::string& retention) {
  SoakOptions o = quick ? SoakOptions{60'000, 2'000, "2s"} : SoakOptions{};
  if (!tasks.empty()) {
    auto n = parse_int("tasks", tasks, 1, 1'000'000'000);
    if (!n) return n.error();
    o.tasks = *n;
  }
  if (!retention.empty()) {
    // Both services take 1s..10 years.
    auto ms = parse_duration_ms("retention", retention, 1'000, kMaxRetentionMs);
    if (!ms) return ms.error();
    o.retention_ms = *ms;
    o.retention = retention;
  }
  return o;
}

const std::vector<std::string>& soak_figure_names() {
  static const std::vector<std::string> names(std::begin(kFigures), std::end(kFigures));
  return names;
}

int run_soak_bench(const SoakOptions& options) {
  try {
    Soak soak(options);
    auto t0 = Clock::now();
    const std::vector<Sample> samples = soak.run();
    // The growth is counted from the first sample taken once a whole retention window had
    // passed: from then on what ends expires as fast as new work ends, so the services should
    // hold about as much at the end as then.
    const auto base = std::find_if(samples.begin(), samples.end(), [&](const Sample& s) {
      return s.elapsed_s * 1000.0 >= static_cast<double>(options.retention_ms);
    });
    if (base == samples.end() || base + 1 == samples.end()) {
      throw std::runtime_error("no sample before the last one was taken after a whole retention window (" +
                               options.retention + "): raise --tasks or lower --retention");
    }
    const Sample& end = samples.back();
    char line[256];
    std::snprintf(line, sizeof line, "growth counted from the sample at %lld tasks (%.1f s); done in %.1f s",
                  static_cast<long long>(base->tasks), base->elapsed_s, seconds_since(t0));
    progress(line);
    progress("at the end the scheduler holds " + std::to_string(end.scheduler_tasks) + " tasks (" +
             std::to_string(end.ended_within_retention) + " ended within the last retention window) and " +
             "orion-consensus " + std::to_string(end.consensus_proposals) + " proposals");
    Reporter out(std::set<std::string>{});
    out.print({"soak_throughput_tasks_per_s", soak.throughput(), "tasks/s"});
    out.print({"soak_scheduler_rss_mib", end.scheduler_rss_mib, "MiB"});
    out.print({"soak_scheduler_rss_growth_mib", end.scheduler_rss_mib - base->scheduler_rss_mib, "MiB"});
    out.print({"soak_scheduler_store_mib", mib(end.scheduler_store_bytes), "MiB"});
    out.print({"soak_scheduler_store_growth_mib", mib(end.scheduler_store_bytes - base->scheduler_store_bytes), "MiB"});
    out.print({"soak_consensus_rss_mib", end.consensus_rss_mib, "MiB"});
    out.print({"soak_consensus_rss_growth_mib", end.consensus_rss_mib - base->consensus_rss_mib, "MiB"});
    out.print({"soak_consensus_store_mib", mib(end.consensus_store_bytes), "MiB"});
    out.print({"soak_consensus_store_growth_mib", mib(end.consensus_store_bytes - base->consensus_store_bytes), "MiB"});
    return 0;
  } catch (const std::exception& e) {
    progress(std::string("FAILED: ") + e.what());
    return 1;
  }
}

}  // namespace orion::bench
