#include "bench/scheduler_bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include <httplib.h>

#include "bench/audit_bench.h"
#include "bench/echo_tasks.h"
#include "bench/figures.h"
#include "bench/layered_dag.h"
#include "bench/stack.h"
#include "common/envelope.h"
#include "common/ids.h"
#include "common/sockets.h"
#include "common/stats_messages.h"
#include "sdk/cpp/client.h"
#include "services/scheduler/agent_pool.h"

namespace orion::bench {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

void progress(const std::string& line) { std::cerr << "[orion-bench] " << line << std::endl; }

// Nearest-rank percentile of an unsorted sample (p in 0..100).
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(p / 100.0 * static_cast<double>(v.size()))));
  return v[std::min(rank, v.size()) - 1];
}

// ---- Task specs -----------------------------------------------------------------------------

// A task no agent can run (a capability none has): it stays PENDING.
TaskSpec parked_task(std::int64_t i) { return echo_task(i, "bench-none"); }

// Sends one pre-encoded request on its own DEALER socket and waits for the reply, so that a
// timing covers the wire and the server, not the client's encoding of a huge body.
class RawCaller {
 public:
  explicit RawCaller(const std::string& endpoint) {
    SocketOptions so;
    so.linger_ms = 0;
    so.max_msg_bytes = 256 << 20;  // a reply naming 100,000 task ids
    socket_ = std::make_unique<zmq::socket_t>(make_socket(ctx_, zmq::socket_type::dealer, so));
    socket_->connect(endpoint);
  }

  // Returns the reply envelope; the time from the first frame sent to the reply read is in *ms.
  // The reply's body is decoded after the clock stops (as the request was encoded before it
  // started): a SUBMIT_BATCH_OK naming 100,000 tasks takes the client a while to decode.
  Envelope call(const std::vector<std::string>& frames, const std::string& request_id, std::int64_t timeout_ms,
                double* ms) {
    auto t0 = Clock::now();
    send(frames);
    return await(request_id, t0, timeout_ms, ms);
  }
  void send(const std::vector<std::string>& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
      if (!socket_->send(zmq::buffer(frames[i]), flags)) throw std::runtime_error("send failed");
    }
  }
  // The reply to `request_id` (replies to other requests sent before it are kept for their own
  // await); *ms is the time from t0 to the moment it was read off the socket.
  Envelope await(const std::string& request_id, Clock::time_point t0, std::int64_t timeout_ms, double* ms) {
    auto deadline = t0 + std::chrono::milliseconds(timeout_ms);
    while (true) {
      if (auto it = early_.find(request_id); it != early_.end()) {
        *ms = it->second.second;
        Incoming in = std::move(it->second.first);
        early_.erase(it);
        return decoded(std::move(in));
      }
      if (Clock::now() >= deadline) break;
      zmq::pollitem_t item{socket_->handle(), 0, ZMQ_POLLIN, 0};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      zmq::poll(&item, 1, std::max(left, std::chrono::milliseconds(1)));
      Incoming in;
      while (receive(*socket_, in, false, false, [](MsgType) { return true; })) {
        double at = ms_since(t0);
        std::string rid = in.request_id;
        early_.emplace(rid, std::make_pair(std::move(in), at));
        in = Incoming();
      }
    }
    throw std::runtime_error("no reply within " + std::to_string(timeout_ms) + " ms");
  }

 private:
  static Envelope decoded(Incoming in) {
    if (!in.envelope) throw std::runtime_error("reply did not decode: " + in.envelope.error().to_string());
    Envelope reply = std::move(*in.envelope);
    auto t1 = Clock::now();
    auto body = decode_value(reply.packed_body.data(), reply.packed_body.size());
    if (!body) throw std::runtime_error("reply body did not decode: " + body.error().to_string());
    reply.body = std::move(*body);
    reply.packed_body.clear();
    if (ms_since(t1) > 10) progress("decoding the reply took the client " + std::to_string(ms_since(t1)) + " ms (not counted)");
    if (reply.type == MsgType::ERROR) throw std::runtime_error("refused: " + error_from_body(reply.body).to_string());
    return reply;
  }
  zmq::context_t ctx_{1};
  std::unique_ptr<zmq::socket_t> socket_;
  std::map<std::string, std::pair<Incoming, double>> early_;  // replies read, by request id
};

std::string scheduler_endpoint(sdk::Client& client) {
  auto d = client.discover();
  if (!d) throw std::runtime_error("discover: " + d.error().to_string());
  if (d->scheduler_client.empty()) throw std::runtime_error("the registry knows no scheduler");
  return d->scheduler_client;
}

// Encodes a SUBMIT_BATCH, sends it and checks that every key got an id. Returns the ms.
double send_batch(RawCaller& caller, const SubmitBatch& batch, std::int64_t timeout_ms, SubmitBatchOk* answer = nullptr) {
  Envelope request{MsgType::SUBMIT_BATCH, random_hex(8), batch.to_body()};
  auto frames = encode_frames(request);
  std::size_t bytes = 0;
  for (const auto& f : frames) bytes += f.size();
  if (bytes > (16u << 20)) {
    progress("warning: the batch is " + std::to_string(bytes) + " bytes, over the 16 MiB frame bound");
  }
  double ms = 0;
  Envelope reply = caller.call(frames, request.request_id, timeout_ms, &ms);
  auto ok = SubmitBatchOk::from_body(reply.body);
  if (!ok) throw std::runtime_error("SUBMIT_BATCH_OK did not decode: " + ok.error().to_string());
  if (ok->task_ids.size() != batch.tasks.size()) {
    throw std::runtime_error("SUBMIT_BATCH_OK names " + std::to_string(ok->task_ids.size()) + " tasks, sent " +
                             std::to_string(batch.tasks.size()));
  }
  if (answer) *answer = std::move(*ok);
  return ms;
}

// Queues `total` parked tasks (a capability no agent has) in SUBMIT_BATCHes of `per_batch`, keys
// "<prefix><i>"; returns the milliseconds the batches took, and the id of the last task in *last.
double queue_parked(RawCaller& caller, int total, int per_batch, const std::string& prefix, std::string* last = nullptr) {
  double ms = 0;
  for (int sent = 0; sent < total; sent += per_batch) {
    SubmitBatch batch;
    const int m = std::min(per_batch, total - sent);
    batch.tasks.reserve(static_cast<std::size_t>(m));
    for (int i = 0; i < m; ++i) batch.tasks.push_back(BatchEntry{prefix + std::to_string(i), parked_task(sent + i)});
    SubmitBatchOk ok;
    ms += send_batch(caller, batch, 180'000, &ok);
    if (last) *last = ok.task_ids.at(batch.tasks.back().key);
  }
  return ms;
}

// ---- select_us ------------------------------------------------------------------------------

void bench_select(bool quick, Reporter& out) {
  constexpr int kAgents = 10'000, kCaps = 100, kCapsPerAgent = 10, kCapacity = 4;
  const int selections = quick ? 10'000 : 100'000;
  progress("select: AgentPool of " + std::to_string(kAgents) + " agents, " + std::to_string(selections) +
           " selections");
  std::mt19937_64 rng(42);
  auto cap_name = [](std::size_t c) { return "cap" + std::to_string(c); };
  std::vector<std::size_t> all(kCaps);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;

  scheduler::AgentPool pool;
  std::uint64_t seq = 0;
  for (int i = 0; i < kAgents; ++i) {
    AgentSpec spec;
    spec.agent_id = "agent-" + std::to_string(i);
    spec.capacity = kCapacity;
    std::shuffle(all.begin(), all.end(), rng);
    for (int k = 0; k < kCapsPerAgent; ++k) spec.capabilities.push_back(cap_name(all[static_cast<std::size_t>(k)]));
    auto& session = pool.attach(spec, "ident-" + std::to_string(i), 0);
    // A busy fleet: 0..capacity tasks already running on each agent.
    auto running = static_cast<int>(rng() % (kCapacity + 1));
    for (int r = 0; r < running; ++r) pool.note_assigned(session, ++seq);
  }

  std::vector<TaskSpec> tasks(static_cast<std::size_t>(selections));
  for (auto& t : tasks) {
    t.type = "work";
    std::shuffle(all.begin(), all.end(), rng);
    auto n = 1 + rng() % 3;
    for (std::size_t k = 0; k < n; ++k) t.capabilities.push_back(cap_name(all[k]));
  }

  std::vector<double> us;
  us.reserve(tasks.size());
  std::size_t chosen = 0;
  for (const auto& t : tasks) {
    auto t0 = Clock::now();
    auto c = pool.select(t);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    chosen += c.agent != nullptr;
  }
  progress("select: an agent was found for " + std::to_string(chosen) + " of " + std::to_string(tasks.size()) +
           " tasks; p99 " + std::to_string(percentile(us, 99)) + " us");
  out.print({"select_us", percentile(us, 50), "us"});
}

// ---- submit_p50_ms, submit_p99_ms -----------------------------------------------------------

// replicas: 1 (SQLite) or 3 (Raft); the figures' names then start with `prefix` ("raft3_").
void bench_submit(bool quick, Reporter& out, int replicas = 1, const std::string& prefix = "") {
  const int n = quick ? 200 : 2'000, warmup = quick ? 20 : 100;
  progress(prefix + "submit: fresh stack, " + std::to_string(replicas) + " scheduler replica(s), " +
           std::to_string(n) + " sequential submits (plus " + std::to_string(warmup) + " warm-up)");
  Stack stack(prefix + "submit", StackConfig{0, 1, {}, replicas});
  sdk::Client client(stack.client_options());
  for (int i = 0; i < warmup; ++i) require_ok(client.submit(parked_task(i)), "submit");
  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto spec = parked_task(i);
    auto t0 = Clock::now();
    auto r = client.submit(spec);
    ms.push_back(ms_since(t0));
    require_ok(r, "submit");
  }
  out.print({prefix + "submit_p50_ms", percentile(ms, 50), "ms"});
  out.print({prefix + "submit_p99_ms", percentile(ms, 99), "ms"});
}

// ---- roundtrip_p50_ms, roundtrip_p99_ms -----------------------------------------------------

// curve: with CURVE on every socket; replicas: 1 (SQLite) or 3 (Raft); the figures' names then
// start with `prefix` ("curve_", "raft3_"). Returns the p50.
double bench_roundtrip(bool quick, Reporter& out, bool curve = false, const std::string& prefix = "", int replicas = 1) {
  const int n = quick ? 100 : 1'000, warmup = quick ? 10 : 50;
  progress(prefix + "roundtrip: fresh stack" + (curve ? " with CURVE" : "") + ", " + std::to_string(replicas) +
           " scheduler replica(s), 1 agent, " + std::to_string(n) + " submit+wait (plus " + std::to_string(warmup) +
           " warm-up)");
  StackConfig config{1, 4, {"echo"}, replicas};
  config.curve = curve;
  Stack stack(prefix + "roundtrip", config);
  sdk::Client client(stack.client_options());
  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < warmup + n; ++i) {
    auto spec = echo_task(i);
    auto t0 = Clock::now();
    auto id = require_ok(client.submit(spec), "submit");
    auto v = client.wait(id, 30'000);
    double took = ms_since(t0);
    expect_completed(v, id);
    if (i >= warmup) ms.push_back(took);
  }
  progress(prefix + "roundtrip: p90 " + std::to_string(percentile(ms, 90)) + " ms, p95 " +
           std::to_string(percentile(ms, 95)) + " ms, p98 " + std::to_string(percentile(ms, 98)) + " ms, max " +
           std::to_string(percentile(ms, 100)) + " ms");
  out.print({prefix + "roundtrip_p50_ms", percentile(ms, 50), "ms"});
  out.print({prefix + "roundtrip_p99_ms", percentile(ms, 99), "ms"});
  return percentile(ms, 50);
}

// ---- chain200_per_link_ms -------------------------------------------------------------------

void bench_chain(bool quick, Reporter& out) {
  const int links = quick ? 20 : 200, chains = 3;
  progress("chain: fresh stack, 1 agent, " + std::to_string(chains) + " chains of " + std::to_string(links) +
           " dependent tasks, each one SUBMIT_BATCH");
  Stack stack("chain", StackConfig{1, 4, {"echo"}});
  sdk::Client client(stack.client_options());
  // Warm-up: the agent is attached and the connections are open.
  expect_completed(client.wait(require_ok(client.submit(echo_task(-1)), "submit"), 30'000), "warm-up");
  std::vector<double> per_link;
  for (int c = 0; c < chains; ++c) {
    std::vector<BatchEntry> entries;
    for (int i = 0; i < links; ++i) {
      BatchEntry e{"c" + std::to_string(i), echo_task(i)};
      if (i > 0) e.spec.depends_on = {"c" + std::to_string(i - 1)};
      entries.push_back(std::move(e));
    }
    auto t0 = Clock::now();
    auto ids = client.submit_batch(entries);
    if (!ids) throw std::runtime_error("submit_batch: " + ids.error().to_string());
    const std::string last = ids->at("c" + std::to_string(links - 1));
    auto v = client.wait(last, 120'000);
    double took = ms_since(t0);
    expect_completed(v, last);
    progress("chain " + std::to_string(c + 1) + ": " + std::to_string(took) + " ms");
    per_link.push_back(took / links);
  }
  out.print({"chain200_per_link_ms", percentile(per_link, 50), "ms"});
}

// ---- throughput_tasks_per_s, throughput_cpu_us_per_task ------------------------------------

// CPU seconds this process (the bench's clients) has used so far, every thread.
double self_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU seconds by role ("client" for this process), summed over the stack's processes.
std::map<std::string, double> cpu_by_role(const Stack& stack) {
  std::map<std::string, double> out{{"client", self_cpu_seconds()}};
  for (const auto& [role, pid] : stack.processes()) out[role] += cpu_seconds(pid);
  return out;
}

// Returns tasks/s.
// metrics_bind: the scheduler's --metrics-bind; scrape_ms > 0: its /metrics is read that often
// while the clock runs (as Prometheus would, more often than its usual 15 s).
double bench_throughput(bool quick, Reporter& out, int replicas = 1, const std::string& prefix = "", bool curve = false,
                        const std::string& metrics_bind = "127.0.0.1:0", int scrape_ms = 0,
                        std::vector<std::string> scheduler_args = {}, const std::string& limit_key = "",
                        int namespaces = 0) {
  const int threads = 8, agents = 4, capacity = 16;
  const int total = quick ? 4'000 : 40'000;
  StackConfig config{agents, capacity, {"echo"}, replicas};
  config.curve = curve;
  config.metrics_bind = metrics_bind;
  config.scheduler_args = std::move(scheduler_args);
  Stack stack(prefix + "throughput", config);
  std::atomic<bool> scraping{scrape_ms > 0};
  std::atomic<long> scrapes{0};
  std::thread scraper;
  if (scrape_ms > 0) {
    scraper = std::thread([&, url = stack.scheduler_metrics(0)] {
      httplib::Client http(url);
      http.set_read_timeout(5, 0);
      while (scraping.load()) {
        auto r = http.Get("/metrics");
        if (r && r->status == 200 && r->body.find("orion_scheduler_tasks_completed_total") != std::string::npos) {
          scrapes.fetch_add(1);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(scrape_ms));  // the scrape interval, not a wait on a race
      }
    });
  }
  struct StopScraper {
    std::atomic<bool>& on;
    std::thread& t;
    ~StopScraper() {
      on = false;
      if (t.joinable()) t.join();
    }
  } stop_scraper{scraping, scraper};

  // SUBMIT_BATCH pipelines best; without it, each client submits a window sequentially.
  bool batch = false;
  {
    sdk::Client probe(stack.client_options());
    auto r = probe.submit_batch({BatchEntry{"probe", echo_task(-1)}});
    batch = r.ok();
    if (r) expect_completed(probe.wait(r->begin()->second, 30'000), "probe");
    else progress("throughput: SUBMIT_BATCH unavailable (" + r.error().to_string() + "); sequential submits");
  }
  // Limits (protocol.md section 18): every task carries the key, under a rule that never holds.
  const std::vector<std::string> limit_keys = limit_key.empty() ? std::vector<std::string>{}
                                                                : std::vector<std::string>{limit_key};
  if (!limit_key.empty()) {
    sdk::Client admin(stack.client_options());
    SetLimit rule;
    rule.pattern = limit_key;
    rule.max_running = kMaxLimitCount;
    auto r = admin.set_limit(rule);
    if (!r) throw std::runtime_error("set_limit: " + r.error().to_string());
  }
  auto task_of = [&](std::int64_t input) {
    TaskSpec s = echo_task(input);
    s.limit_keys = limit_keys;
    return s;
  };
  // namespaces > 0: client thread t submits into namespace "ns<t % namespaces>", weighted 1, 2, 3, ...
  auto ns_of = [namespaces](int index) { return namespaces > 0 ? "ns" + std::to_string(index % namespaces) : std::string("default"); };
  if (namespaces > 0) {
    sdk::Client admin(stack.client_options());
    for (int k = 0; k < namespaces; ++k) {
      auto r = admin.set_namespace(ns_of(k), k + 1.0);
      if (!r) throw std::runtime_error("set_namespace: " + r.error().to_string());
    }
    progress("throughput: tasks spread over " + std::to_string(namespaces) + " namespaces weighted 1.." +
             std::to_string(namespaces));
  }
  const int window = batch ? 500 : 64;
  progress("throughput: " + std::to_string(agents) + " agents x capacity " + std::to_string(capacity) + ", " +
           std::to_string(threads) + " clients, " + std::to_string(total) + " echo tasks, " +
           (batch ? "SUBMIT_BATCH of " : "windows of ") + std::to_string(window) + ", then WAIT_TASKS on the window");

  std::atomic<long> completed{0};
  std::mutex m;
  std::condition_variable cv;
  int ready = 0;
  bool go = false;
  std::string first_error;
  auto fail = [&](const std::string& e) {
    std::lock_guard<std::mutex> lock(m);
    if (first_error.empty()) first_error = e;
  };

  auto worker = [&](int index, int tasks) {
    try {
      sdk::Client client(stack.client_options());
      // Warm-up outside the timing: discovery, connection, one task end to end.
      expect_completed(client.wait(require_ok(client.submit(task_of(-1)), "submit"), 30'000), "warm-up");
      {
        std::unique_lock<std::mutex> lock(m);
        ++ready;
        cv.notify_all();
        cv.wait(lock, [&] { return go; });
      }
      std::vector<std::string> ids;
      for (int done = 0; done < tasks;) {
        int n = std::min(window, tasks - done);
        if (batch) {
          ids = submit_echo_batch(client, index * 1'000'000L + done, n, limit_keys, ns_of(index));
        } else {
          ids.clear();
          for (int i = 0; i < n; ++i) {
            TaskSpec t = task_of(done + i);
            t.ns = ns_of(index);
            ids.push_back(require_ok(client.submit(t), "submit"));
          }
        }
        // One long-poll for the whole window (WAIT_TASKS), as a user waiting on a group would.
        wait_completed(client, ids, 120'000);
        completed.fetch_add(n, std::memory_order_relaxed);
        done += n;
      }
    } catch (const std::exception& e) {
      fail(e.what());
      std::lock_guard<std::mutex> lock(m);
      ++ready;  // never leave the starter waiting for a worker that died in its warm-up
      cv.notify_all();
    }
  };

  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t, total / threads + (t < total % threads ? 1 : 0));
  Clock::time_point t0;
  {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return ready >= threads; });
    go = true;
    t0 = Clock::now();
  }
  const auto cpu0 = cpu_by_role(stack);
  cv.notify_all();
  for (auto& t : pool) t.join();
  double seconds = ms_since(t0) / 1000.0;
  const auto cpu1 = cpu_by_role(stack);
  if (!first_error.empty()) throw std::runtime_error(first_error);
  progress("throughput: " + std::to_string(completed.load()) + " tasks COMPLETED in " + std::to_string(seconds) +
           " s");
  if (scrape_ms > 0) {
    progress("throughput: /metrics read " + std::to_string(scrapes.load()) + " times while it ran");
    if (scrapes.load() == 0) throw std::runtime_error("/metrics was never read while the benchmark ran");
  }
  out.print({prefix + "throughput_tasks_per_s", static_cast<double>(completed.load()) / seconds, "tasks/s"});
  // CPU per task: every process's CPU time over the timed window, over the tasks completed.
  double total_us = 0;
  std::string split;
  for (const auto& [role, s1] : cpu1) {
    const double us = (s1 - cpu0.at(role)) * 1e6 / static_cast<double>(std::max(1L, completed.load()));
    total_us += us;
    split += " " + role + " " + std::to_string(static_cast<int>(us + 0.5));
    out.print({prefix + "throughput_cpu_us_per_task_" + role, us, "us"});
  }
  progress("throughput: CPU per task (us):" + split + " (client = this process's 8 client threads)");
  out.print({prefix + "throughput_cpu_us_per_task", total_us, "us"});
  return static_cast<double>(completed.load()) / seconds;
}

// ---- fair_share_ratio, throughput_fair_tasks_per_s, throughput_fair_ratio ---------------------

// The medians of 3 runs each of a plain figure and the same with a feature on, in the order
// plain, on / on, plain / plain, on: a drift of the machine, or a first run that warms the
// page cache, falls on both sides.
template <class Plain, class On>
std::pair<double, double> alternated_medians(Plain plain, On on) {
  std::vector<double> a, b;
  for (int round = 0; round < 3; ++round) {
    if (round % 2 == 0) {
      a.push_back(plain());
      b.push_back(on());
    } else {
      b.push_back(on());
      a.push_back(plain());
    }
  }
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return {a[1], b[1]};
}

// Fair share under contention (protocol.md section 19.2): one agent with one slot, namespaces
// "gold" (weight 2) and "bronze" (weight 1) with a backlog each; the completions of each between
// a first statistics sample taken once both backlogs are in and a last one taken while both still
// have work (about 60% of the way). Returns gold's completions over bronze's (the goal: 2.0 +- 5%).
double bench_fair_share_ratio(bool quick) {
  const int backlog = quick ? 600 : 3'000;  // per namespace
  Stack stack("fair_share", StackConfig{1, 1, {"echo"}, 1});
  sdk::Client client(stack.client_options());
  for (auto [ns, weight] : {std::pair<const char*, double>{"gold", 2.0}, {"bronze", 1.0}}) {
    auto r = client.set_namespace(ns, weight);
    if (!r) throw std::runtime_error("set_namespace: " + r.error().to_string());
  }
  for (int done = 0; done < backlog; done += 500) {
    const int n = std::min(500, backlog - done);
    submit_echo_batch(client, done, n, {}, "gold");
    submit_echo_batch(client, done, n, {}, "bronze");
  }
  auto completed = [&](const char* ns) -> std::int64_t {
    auto s = client.scheduler_stats(ns);
    if (!s) throw std::runtime_error("scheduler_stats: " + s.error().to_string());
    auto it = s->by_state.find("COMPLETED");
    return it == s->by_state.end() ? 0 : it->second;
  };
  const std::int64_t gold0 = completed("gold"), bronze0 = completed("bronze");
  // Gold runs out after about 1.5 * backlog completions in all; stop well before.
  const std::int64_t target = backlog * 9 / 10;
  std::int64_t gold = gold0, bronze = bronze0;
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while ((gold - gold0) + (bronze - bronze0) < target) {
    if (Clock::now() > deadline) throw std::runtime_error("fair share: the backlog did not drain in 120 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a polling interval, not a wait on a race
    gold = completed("gold");
    bronze = completed("bronze");
  }
  if (gold >= backlog || bronze >= backlog) throw std::runtime_error("fair share: a backlog ran out while measuring");
  const double ratio = static_cast<double>(gold - gold0) / static_cast<double>(std::max<std::int64_t>(1, bronze - bronze0));
  progress("fair share: one slot, gold (weight 2) " + std::to_string(gold - gold0) + " and bronze (weight 1) " +
           std::to_string(bronze - bronze0) + " completions while both had a backlog: " + std::to_string(ratio));
  return ratio;
}

// The throughput run of throughput_tasks_per_s with its tasks spread over 4 namespaces weighted
// 1..4 (so dispatch chooses between namespaces by fair share), next to a plain one in this run:
// throughput_fair_ratio = fair / plain is the cost of fair share (goal: >= 0.90).
void bench_fair(bool quick, Reporter& out) {
  if (out.wanted("fair_share_ratio")) out.print({"fair_share_ratio", bench_fair_share_ratio(quick), "x"});
  if (!out.wanted("throughput_fair_tasks_per_s") && !out.wanted("throughput_fair_ratio")) return;
  Reporter quiet({"-"});
  const auto [plain, fair] = alternated_medians(
      [&] { return bench_throughput(quick, quiet, 1, "", false, "off"); },
      [&] { return bench_throughput(quick, quiet, 1, "fair_", false, "off", 0, {}, "", 4); });
  progress("fair: throughput " + std::to_string(plain) + " tasks/s in one namespace, " + std::to_string(fair) +
           " tasks/s over 4 weighted namespaces (medians of 3, alternated)");
  out.print({"throughput_fair_tasks_per_s", fair, "tasks/s"});
  out.print({"throughput_fair_ratio", fair / plain, "x"});
}

// ---- metrics_throughput_ratio ------------------------------------------------------------------

// The cost of /metrics on the hot path: throughput with the scheduler's endpoint off, and with
// it on and read every second, alternated three times in one run; the ratio of the medians.
void bench_metrics(bool quick, Reporter& out) {
  Reporter quiet({"-"});
  std::vector<double> off, on;
  for (int round = 0; round < 3; ++round) {
    off.push_back(bench_throughput(quick, quiet, 1, "", false, "off"));
    on.push_back(bench_throughput(quick, quiet, 1, "metrics_", false, "127.0.0.1:0", 1'000));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  progress("metrics: throughput " + std::to_string(median(off)) + " tasks/s off, " + std::to_string(median(on)) +
           " tasks/s on and scraped every second (medians of 3, alternated)");
  out.print({"metrics_off_throughput_tasks_per_s", median(off), "tasks/s"});
  out.print({"metrics_on_throughput_tasks_per_s", median(on), "tasks/s"});
  out.print({"metrics_throughput_ratio", median(on) / median(off), "x"});
}

// ---- history_throughput_ratio ------------------------------------------------------------------

// The cost of the event history (protocol.md section 16) on the hot path: with it on (the
// default), every task event is built, numbered and written with the turn's records, wanted or
// not; off (--event-history 0), events are built only for a subscriber, and the benchmark has
// none. Throughput off and on, alternated three times in one run; the ratio of the medians.
void bench_history(bool quick, Reporter& out) {
  Reporter quiet({"-"});
  std::vector<double> off, on;
  for (int round = 0; round < 3; ++round) {
    off.push_back(bench_throughput(quick, quiet, 1, "", false, "off", 0, {"--event-history", "0"}));
    on.push_back(bench_throughput(quick, quiet, 1, "history_", false, "off"));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  progress("history: throughput " + std::to_string(median(off)) + " tasks/s off, " + std::to_string(median(on)) +
           " tasks/s on (medians of 3, alternated)");
  out.print({"history_off_throughput_tasks_per_s", median(off), "tasks/s"});
  out.print({"history_on_throughput_tasks_per_s", median(on), "tasks/s"});
  out.print({"history_throughput_ratio", median(on) / median(off), "x"});
}

// ---- throughput_limited_tasks_per_s, limits_throughput_ratio -----------------------------------

// The cost of limits (protocol.md section 18) on the hot path: the throughput run with every task
// carrying one limit key whose rule (max_running 1,000,000) never holds, so each assignment checks
// and counts the key and each end releases it. Plain and limited alternated three times in one
// run; the medians, and limited / plain (the goal: >= 0.90).
void bench_limits(bool quick, Reporter& out) {
  Reporter quiet({"-"});
  const auto [off, on] = alternated_medians(
      [&] { return bench_throughput(quick, quiet, 1, "", false, "off"); },
      [&] { return bench_throughput(quick, quiet, 1, "limited_", false, "off", 0, {}, "customer-42"); });
  progress("limits: throughput " + std::to_string(off) + " tasks/s plain, " + std::to_string(on) +
           " tasks/s with a limit key on every task (medians of 3, alternated)");
  out.print({"limits_off_throughput_tasks_per_s", off, "tasks/s"});
  out.print({"throughput_limited_tasks_per_s", on, "tasks/s"});
  out.print({"limits_throughput_ratio", on / off, "x"});
}

// ---- curve_throughput_ratio, curve_roundtrip_ratio --------------------------------------------

// The cost of CURVE: round trip and throughput with it off, then on, in this one run (fresh
// stacks each), and on / off as ratios. Throughput ratio below 1 and round-trip ratio above 1
// are the cost; the goal is no more than 25% (>= 0.75 and <= 1.25).
void bench_curve(bool quick, Reporter& out) {
  Reporter quiet({"-"});  // the plain figures go to the ratio only, printed under curve_ names
  const double rt_off = bench_roundtrip(quick, quiet), rt_on = bench_roundtrip(quick, quiet, true, "curve_");
  const double tp_off = bench_throughput(quick, quiet), tp_on = bench_throughput(quick, quiet, 1, "curve_", true);
  progress("curve: round trip p50 " + std::to_string(rt_off) + " ms off, " + std::to_string(rt_on) +
           " ms on; throughput " + std::to_string(tp_off) + " off, " + std::to_string(tp_on) + " tasks/s on");
  out.print({"curve_roundtrip_p50_ms", rt_on, "ms"});
  out.print({"curve_throughput_tasks_per_s", tp_on, "tasks/s"});
  out.print({"curve_roundtrip_ratio", rt_on / rt_off, "x"});
  out.print({"curve_throughput_ratio", tp_on / tp_off, "x"});
}

// ---- raft3_failover_100k_ms, raft3_failover_1m_ms ---------------------------------------------

// 3 scheduler replicas holding `tasks` queued tasks: SIGKILL of the leader, then the time until
// a submit (from a client that retries every 50 ms with the same request id) is acknowledged
// by the new leader. The killed replica is started again and caught up before the next kill.
void bench_failover(bool quick, Reporter& out) {
  const int kills = quick ? 3 : 10;
  for (const auto& [tasks, name] : std::vector<std::pair<int, std::string>>{{100'000, "raft3_failover_100k_ms"},
                                                                           {1'000'000, "raft3_failover_1m_ms"}}) {
    if (!out.wanted(name)) continue;
    const int n = quick ? tasks / 10 : tasks, per_batch = 50'000;
    Stack stack("failover", StackConfig{0, 1, {}, 3});
    // The loader follows the leader (the same request id again after "outcome unknown"): big
    // batches are not timed here, only loaded.
    auto load_options = stack.client_options();
    load_options.batch_timeout_ms = 180'000;
    load_options.call_timeout_ms = 600'000;
    sdk::Client loader(load_options);
    require_ok(loader.submit(parked_task(-1)), "submit");
    for (int sent = 0; sent < n; sent += per_batch) {
      std::vector<BatchEntry> batch;
      const int m = std::min(per_batch, n - sent);
      for (int i = 0; i < m; ++i) batch.push_back(BatchEntry{"f" + std::to_string(i), parked_task(sent + i)});
      auto ids = loader.submit_batch(batch);
      if (!ids || ids->size() != batch.size()) {
        throw std::runtime_error(name + ": loading failed: " + (ids ? "ids missing" : ids.error().to_string()) +
                                 "\n" + stack.logs());
      }
    }
    progress(name + ": " + std::to_string(n) + " queued tasks on 3 replicas; " + std::to_string(kills) + " kills");
    auto caught_up = [&](std::int64_t timeout_ms) {
      return testing::wait_until(
          [&] {
            int l = stack.leader(1'000);
            if (l < 0) return false;
            auto lead = stack.replica(l);
            if (!lead) return false;
            for (int i = 0; i < 3; ++i) {
              auto r = stack.replica(i, 2'000);
              if (!r || r->tasks != lead->tasks) return false;
            }
            return true;
          },
          timeout_ms);
    };
    std::vector<double> ms;
    for (int k = 0; k < kills; ++k) {
      if (!caught_up(600'000)) throw std::runtime_error(name + ": replicas did not catch up:\n" + stack.logs());
      int leader = stack.leader(10'000);
      if (leader < 0) throw std::runtime_error(name + ": no leader:\n" + stack.logs());
      auto options = stack.client_options();
      options.request_timeout_ms = 50;
      options.call_timeout_ms = 30'000;
      sdk::Client client(options);
      require_ok(client.submit(parked_task(-2)), "submit");  // connected to the leader
      auto t0 = Clock::now();
      stack.kill_scheduler(leader);
      require_ok(client.submit(parked_task(-3)), "submit after the kill");
      ms.push_back(ms_since(t0));
      progress(name + ": kill " + std::to_string(k + 1) + ": " + std::to_string(ms.back()) + " ms");
      stack.restart_scheduler(leader);
    }
    out.print({name, percentile(ms, 50), "ms"});
  }
}

// ---- dag_100k_ms ----------------------------------------------------------------------------

void bench_dag(bool quick, Reporter& out) {
  const int n = quick ? 10'000 : 100'000, width = quick ? 100 : 1'000;
  progress("dag: fresh stack, one SUBMIT_BATCH of a " + std::to_string(n) + "-task layered DAG (" +
           std::to_string(n / width) + " layers of " + std::to_string(width) + ", 1-2 dependencies each)");
  Stack stack("dag", StackConfig{0, 1, {}});
  sdk::Client client(stack.client_options());
  auto warm = require_ok(client.submit(parked_task(-1)), "submit");  // warm-up
  RawCaller caller(scheduler_endpoint(client));

  SubmitBatch batch = layered_dag(n, width, "bench-none");  // parked: no agent has the capability
  Envelope request{MsgType::SUBMIT_BATCH, random_hex(8), batch.to_body()};
  auto frames = encode_frames(request);
  // Right behind it, a GET_TASK: the scheduler reads no request before it has made every task of
  // the batch, so this answer marks the whole DAG in memory and schedulable.
  Envelope probe{MsgType::GET_TASK, random_hex(8), GetTask{warm}.to_body()};
  auto t0 = std::chrono::steady_clock::now();
  caller.send(frames);
  caller.send(encode_frames(probe));
  double ms = 0, made_ms = 0;
  auto reply = caller.await(request.request_id, t0, 180'000, &ms);
  caller.await(probe.request_id, t0, 180'000, &made_ms);
  auto ok = SubmitBatchOk::from_body(reply.body);
  if (!ok || ok->task_ids.size() != batch.tasks.size()) throw std::runtime_error("SUBMIT_BATCH_OK does not name every task");
  out.print({"dag_100k_ms", ms, "ms"});
  out.print({"dag_100k_made_ms", made_ms, "ms"});
}

// ---- rss_1m_queued_mib ----------------------------------------------------------------------

void bench_rss(bool quick, Reporter& out) {
  const int total = quick ? 100'000 : 1'000'000, per_batch = quick ? 10'000 : 50'000;
  progress("rss: fresh stack, " + std::to_string(total) + " queued tasks in batches of " +
           std::to_string(per_batch));
  Stack stack("rss", StackConfig{0, 1, {}});
  sdk::Client client(stack.client_options());
  require_ok(client.submit(parked_task(-1)), "submit");
  RawCaller caller(scheduler_endpoint(client));
  progress("rss: scheduler RSS before " + std::to_string(rss_mib(stack.scheduler_pid())) + " MiB");
  double total_ms = queue_parked(caller, total, per_batch, "r");
  testing::pause_ms(500);
  double rss = rss_mib(stack.scheduler_pid());
  if (rss < 0) throw std::runtime_error("cannot read VmRSS of the scheduler");
  progress("rss: " + std::to_string(total) + " tasks accepted in " + std::to_string(total_ms) + " ms of batches");
  out.print({"rss_1m_queued_mib", rss, "MiB"});
}

// ---- stats_1m_ms -----------------------------------------------------------------------------

// One SCHEDULER_STATS over 1,000,000 queued tasks (100,000 with --quick), parked on a capability
// no agent has: the median of 7 calls, each timed from the request sent to the reply read.
void bench_stats(bool quick, Reporter& out) {
  const int total = quick ? 100'000 : 1'000'000, per_batch = 50'000, calls = 7;
  progress("stats: fresh stack, " + std::to_string(total) + " queued tasks, then " + std::to_string(calls) +
           " SCHEDULER_STATS calls");
  Stack stack("stats", StackConfig{0, 1, {}});
  sdk::Client client(stack.client_options());
  require_ok(client.submit(parked_task(-1)), "submit");
  RawCaller caller(scheduler_endpoint(client));
  queue_parked(caller, total, per_batch, "s");
  std::vector<double> ms;
  for (int i = 0; i < calls; ++i) {
    Envelope request{MsgType::SCHEDULER_STATS, random_hex(8), Json::object()};
    double call_ms = 0;
    Envelope reply = caller.call(encode_frames(request), request.request_id, 60'000, &call_ms);
    auto ok = SchedulerStatsOk::from_body(reply.body);
    if (!ok) throw std::runtime_error("SCHEDULER_STATS_OK did not decode: " + ok.error().to_string());
    if (ok->total < total) {
      throw std::runtime_error("SCHEDULER_STATS_OK counts " + std::to_string(ok->total) + " tasks, sent " + std::to_string(total));
    }
    ms.push_back(call_ms);
  }
  progress("stats: calls took " + std::to_string(*std::min_element(ms.begin(), ms.end())) + " .. " +
           std::to_string(*std::max_element(ms.begin(), ms.end())) + " ms");
  out.print({"stats_1m_ms", percentile(ms, 50), "ms"});
}

// ---- restart_2m_s ----------------------------------------------------------------------------

// A scheduler holding 2,000,000 parked tasks in its store (200,000 with --quick), accepted in
// SUBMIT_BATCHes of 50,000, is stopped (SIGTERM, waited for) and started again: the time from
// starting the process to a GET_TASK of the last task answered (its ready file is written once
// the store is loaded and the sockets are bound; the GET_TASK follows at once).
void bench_restart(bool quick, Reporter& out) {
  const int total = quick ? 200'000 : 2'000'000, per_batch = 50'000;
  progress("restart: fresh stack, " + std::to_string(total) + " queued tasks in batches of " + std::to_string(per_batch));
  Stack stack("restart", StackConfig{0, 1, {}});
  std::string last;
  {
    sdk::Client client(stack.client_options());
    require_ok(client.submit(parked_task(-1)), "submit");
    RawCaller caller(scheduler_endpoint(client));
    double ms = queue_parked(caller, total, per_batch, "q", &last);
    progress("restart: " + std::to_string(total) + " tasks accepted in " + std::to_string(ms) + " ms of batches; RSS " +
             std::to_string(rss_mib(stack.scheduler_pid())) + " MiB; stopping the scheduler");
  }
  stack.stop_scheduler(0);
  auto t0 = Clock::now();
  stack.restart_scheduler(0, 300'000);
  double ready_ms = ms_since(t0);
  RawCaller caller(stack.scheduler_client(0));  // its new port, from its ready file
  Envelope probe{MsgType::GET_TASK, random_hex(8), GetTask{last}.to_body()};
  double call_ms = 0;
  Envelope reply = caller.call(encode_frames(probe), probe.request_id, 60'000, &call_ms);
  double s = ms_since(t0) / 1000.0;
  auto view = TaskView::from_json(reply.body.value("task", Json::object()));
  if (reply.type != MsgType::TASK_INFO || !view || view->task_id != last || view->state != TaskState::PENDING) {
    throw std::runtime_error("GET_TASK " + last + " after the restart: " + std::string(to_string(reply.type)) + " " +
                             reply.body.dump().substr(0, 300));
  }
  progress("restart: ready file after " + std::to_string(ready_ms) + " ms; RSS " +
           std::to_string(rss_mib(stack.scheduler_pid())) + " MiB");
  out.print({"restart_2m_s", s, "s"});
}

struct Group {
  const char* name;
  std::vector<const char*> figures;
  std::function<void(bool, Reporter&)> run;
};

const std::vector<Group>& groups() {
  static const std::vector<Group> g{
      {"submit", {"submit_p50_ms", "submit_p99_ms"}, [](bool quick, Reporter& out) { bench_submit(quick, out); }},
      {"roundtrip", {"roundtrip_p50_ms", "roundtrip_p99_ms"}, [](bool quick, Reporter& out) { bench_roundtrip(quick, out); }},
      {"chain", {"chain200_per_link_ms"}, bench_chain},
      {"throughput",
       {"throughput_tasks_per_s", "throughput_cpu_us_per_task", "throughput_cpu_us_per_task_scheduler",
        "throughput_cpu_us_per_task_agent", "throughput_cpu_us_per_task_registry", "throughput_cpu_us_per_task_client"},
       [](bool quick, Reporter& out) { bench_throughput(quick, out); }},
      {"select", {"select_us"}, bench_select},
      {"dag", {"dag_100k_ms", "dag_100k_made_ms"}, bench_dag},
      {"rss", {"rss_1m_queued_mib"}, bench_rss},
      {"stats", {"stats_1m_ms"}, bench_stats},
      {"restart", {"restart_2m_s"}, bench_restart},
      {"raft3_submit", {"raft3_submit_p50_ms", "raft3_submit_p99_ms"},
       [](bool quick, Reporter& out) { bench_submit(quick, out, 3, "raft3_"); }},
      {"raft3_roundtrip", {"raft3_roundtrip_p50_ms", "raft3_roundtrip_p99_ms"},
       [](bool quick, Reporter& out) { bench_roundtrip(quick, out, false, "raft3_", 3); }},
      {"raft3_throughput",
       {"raft3_throughput_tasks_per_s", "raft3_throughput_cpu_us_per_task", "raft3_throughput_cpu_us_per_task_scheduler",
        "raft3_throughput_cpu_us_per_task_agent", "raft3_throughput_cpu_us_per_task_registry",
        "raft3_throughput_cpu_us_per_task_client"},
       [](bool quick, Reporter& out) { bench_throughput(quick, out, 3, "raft3_"); }},
      {"raft3_failover", {"raft3_failover_100k_ms", "raft3_failover_1m_ms"}, bench_failover},
      {"curve",
       {"curve_roundtrip_p50_ms", "curve_throughput_tasks_per_s", "curve_roundtrip_ratio", "curve_throughput_ratio"},
       bench_curve},
      {"metrics", {"metrics_off_throughput_tasks_per_s", "metrics_on_throughput_tasks_per_s", "metrics_throughput_ratio"},
       bench_metrics},
      {"history", {"history_off_throughput_tasks_per_s", "history_on_throughput_tasks_per_s", "history_throughput_ratio"},
       bench_history},
      {"limits", {"limits_off_throughput_tasks_per_s", "throughput_limited_tasks_per_s", "limits_throughput_ratio"},
       bench_limits},
      {"fair", {"fair_share_ratio", "throughput_fair_tasks_per_s", "throughput_fair_ratio"}, bench_fair},
      {"audit", {"audit_off_submits_per_s", "audit_on_submits_per_s", "audit_cost_ratio", "audit_us_per_submit"},
       bench_audit},
  };
  return g;
}

}  // namespace

const std::vector<std::string>& scheduler_figure_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& g : groups()) v.insert(v.end(), g.figures.begin(), g.figures.end());
    return v;
  }();
  return names;
}

int run_scheduler_bench(const SchedulerBenchOptions& options) {
  Reporter out(options.only);
  int failed = 0;
  for (const auto& g : groups()) {
    bool wanted = false;
    for (const char* f : g.figures) wanted = wanted || out.wanted(f);
    if (!wanted) continue;
    auto t0 = Clock::now();
    try {
      g.run(options.quick, out);
      progress(std::string(g.name) + ": done in " + std::to_string(ms_since(t0) / 1000.0) + " s");
    } catch (const std::exception& e) {
      ++failed;
      progress(std::string(g.name) + ": FAILED: " + e.what());
    }
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace orion::bench
