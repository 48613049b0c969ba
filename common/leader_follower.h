// One request that finds the server that serves it: the leader of a replicated service, or any
// one of a list of registries. Used by every client of the scheduler, of consensus and of the
// registries (sdk/cpp Client, ConsensusClient, orionctl), so the rules of docs/protocol.md 6.1
// are written once.
//
//   zmq::context_t ctx;
//   Registries registries(ctx, "tcp://a:7100,tcp://b:7100", {});
//   FollowOptions o;
//   o.what = "scheduler";
//   LeaderFollower scheduler(ctx, o, [&](std::int64_t budget_ms) -> Result<std::string> {
//     auto d = registries.discover(budget_ms);
//     if (!d) return d.error();
//     return d->scheduler_client;                      // "" = not known yet
//   });
//   auto reply = scheduler.call(Envelope{MsgType::GET_TASK, random_hex(8), body});
//
// What call() does with each answer, always resending the same envelope (the same request id,
// so a server that deduplicates by request id applies a command once however often it arrives):
//   reply that is not ERROR              returned
//   ERROR NOT_LEADER, `leader` set        resent at once to `leader` (no pause, unless this is the
//                                         5th redirect in a row: replicas naming each other)
//   ERROR NOT_LEADER, `leader` ""         pause, locate again, resend (an election is under way)
//   ERROR UNAVAILABLE                     pause, locate again, resend ("outcome unknown", catching up)
//   any other ERROR                       returned as its Error
//   nothing within the try's timeout      new socket (drops what the old one queued), pause,
//                                         locate again, resend
//   locate() answers "" or an error      pause, locate again
// Pauses grow from pause_initial_ms, doubling, to pause_max_ms. When call_timeout_ms has passed
// the call fails UNAVAILABLE with a message naming the service, the request type, the number
// of tries, every endpoint tried with its last outcome, and the last error.
// first_answer_ms >= 0 (orionctl without --call-timeout): until this follower has had any answer
// at all, a call gives up after first_answer_ms (each try at most half of it), saying what it
// asked and whether the service runs: a command to a stack that is not there fails in about 2 s,
// not after the whole call timeout. Once anything answered, failover keeps the whole timeout.
//
// Not thread-safe: one per thread. Time is the steady clock: the waits are zmq polls.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/envelope.h"
#include "common/messages.h"

namespace orion {

// A comma-separated list of endpoints ("tcp://a:7100, tcp://b:7100") as its items, trimmed,
// empty items dropped, duplicates kept once (first place wins).
std::vector<std::string> split_endpoints(const std::string& list);

struct FollowOptions {
  std::string what = "server";              // who is asked, for logs and errors ("scheduler")
  std::int64_t try_timeout_ms = 3000;       // one try at one endpoint, then the reply counts as lost
  std::int64_t call_timeout_ms = 10'000;    // one call, every try and pause included
  std::int64_t pause_initial_ms = 25;       // first pause before locating again, ms ...
  std::int64_t pause_max_ms = 200;          // ... doubling up to this
  std::int64_t first_answer_ms = -1;        // < 0: off; else the bound before any answer (above)
};

// The options of a client's follower of `what`: one try and one call bounded as given, and the
// first answer when first_answer_ms >= 0.
FollowOptions follow_options(const char* what, std::int64_t try_timeout_ms, std::int64_t call_timeout_ms,
                             std::int64_t first_answer_ms = -1);

class LeaderFollower {
 public:
  // Where to send when no endpoint is known: "" when not known yet, an Error when the asking
  // failed. `budget_ms` is what is left of the call: locate must not take longer.
  using Locate = std::function<Result<std::string>(std::int64_t budget_ms)>;

  LeaderFollower(zmq::context_t& ctx, FollowOptions options, Locate locate);
  ~LeaderFollower();
  LeaderFollower(const LeaderFollower&) = delete;
  LeaderFollower& operator=(const LeaderFollower&) = delete;

  // One request, followed as in the table above. `hold_ms`: how long the server may hold the
  // request before it answers (a long poll), added to each try and to the call.
  // `call_timeout_ms` < 0: options().call_timeout_ms. keep_packed: as receive() (sockets.h).
  Result<Envelope> call(const Envelope& request, std::int64_t hold_ms = 0, KeepPacked keep_packed = nullptr,
                        std::int64_t call_timeout_ms = -1);

  // One send and wait at one endpoint, no redirect and no retry: the reply (an ERROR reply is
  // returned as an Envelope), or UNAVAILABLE with *timed_out set when none came in time (the
  // socket to `endpoint` is then closed: the next exchange there uses a new one).
  Result<Envelope> exchange(const std::string& endpoint, const Envelope& request, std::int64_t timeout_ms,
                            KeepPacked keep_packed, bool* timed_out);

  // Where the last call was answered: the leader as far as this client knows ("" = unknown).
  const std::string& leader() const { return current_; }
  // The next call locates the server again.
  void forget() { current_.clear(); }
  const FollowOptions& options() const { return options_; }
  FollowOptions& options() { return options_; }

 private:
  zmq::socket_t& socket_for(const std::string& endpoint);
  void drop(const std::string& endpoint);

  zmq::context_t& ctx_;
  FollowOptions options_;
  Locate locate_;
  std::map<std::string, std::unique_ptr<zmq::socket_t>> sockets_;  // one DEALER per endpoint used
  std::string current_;  // the endpoint believed to serve, "" = locate it
  bool answered_ = false;  // some endpoint answered a call of this follower (first_answer_ms)
};

// A list of registries, all equal: a request goes to one, and to the next when it does not
// answer (round robin). DISCOVER, LIST_AGENTS and any other registry request.
class Registries {
 public:
  // `list`: comma-separated endpoints (ORION_REGISTRY, --registry). An empty list makes every
  // call fail UNAVAILABLE "no registry configured".
  Registries(zmq::context_t& ctx, const std::string& list, FollowOptions options);

  Result<Envelope> call(MsgType type, const Json& body, std::int64_t call_timeout_ms = -1);
  Result<Discovery> discover(std::int64_t call_timeout_ms = -1);

  const std::vector<std::string>& endpoints() const { return endpoints_; }
  LeaderFollower& follower() { return follower_; }

 private:
  std::vector<std::string> endpoints_;
  std::size_t next_ = 0;  // the next registry to try
  LeaderFollower follower_;
};

}  // namespace orion
