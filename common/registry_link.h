// A service's link to every registry it was given: announces itself to each, learns each
// one's event bus, publishes its events onto every bus and hears the bus topics it asked for
// from every bus, each event once. One object per service; its loop calls turn() every turn.
//
//   RegistryLink::Options o;
//   o.registries = {"tcp://a:7100", "tcp://b:7100"};   // parse_endpoint_list (common/config.h)
//   o.service = "scheduler";  o.publisher = "scheduler";  o.announce_ms = 1000;
//   o.topics = {"agent.down"};                          // bus topics to hear; none = no SUB
//   RegistryLink link(ctx, o, clock, [&] {              // what each ANNOUNCE says, asked each time
//     AnnounceInfo i;  i.endpoints = {{"client", c}, {"agent", a}};  return i;
//   });
//   link.on_discovery([&](const Discovery& d) { ... d.consensus ... });
//   if (auto s = link.start(); !s) die(s.error());     // connects; INVALID_ARGUMENT for a bad endpoint
//   loop: poll(link.bus_in() ...); link.turn();  Event e; while (link.next_event(e)) ...;
//         if (link.wants("task.done")) link.publish_packed("task.done", packed);
//
// Per registry it keeps one DEALER (ANNOUNCE, every announce_ms, and at once after
// announce_now()); one XPUB connected to that registry's events_pub (XSUB), with the topic
// prefixes that bus's subscribers want; and a connection of the one SUB to its events_sub
// (XPUB). Each ANNOUNCE_OK carries the registry's DISCOVERY: when a bus endpoint changed, the
// old connection is dropped and a new one made. A new XPUB socket starts with no subscriptions
// and the bus reports its subscribers' again once connected, so no subscription of the old bus
// survives it (TopicSubscriptions per bus, never merged); the SUB sends its own subscriptions
// on every new connection by itself.
//
// Events: numbered once (epoch drawn at construction, seq 1, 2, ...) and sent to every bus
// whose subscribers want the topic, so a registry lost costs no event on the others. Heard
// events come from every bus; next_event() hands each (publisher, epoch, seq) once
// (EventDedup).
//
// Only the owning thread calls these methods. Time (announce periods) comes from the Clock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "common/clock.h"
#include "common/event_dedup.h"
#include "common/messages.h"
#include "common/status.h"
#include "common/topic_subscriptions.h"

namespace orion {

// What one ANNOUNCE says: the service's endpoints and, for a replicated service, its replica
// id and role (docs/protocol.md 5.3). Filled by the service each time an ANNOUNCE is sent.
struct AnnounceInfo {
  std::map<std::string, std::string> endpoints;  // scheduler: client, agent; consensus: client
  std::int64_t id = 0;             // replica id, 0 = none
  std::string role;                // "" = not replicated; else leader/follower/candidate/single/unavailable
  std::int64_t term = 0;
  std::int64_t commit_index = 0;
  std::int64_t applied_index = 0;
};

class RegistryLink {
 public:
  struct Options {
    std::vector<std::string> registries;  // ROUTER endpoints, at least one
    std::string service;                  // "scheduler" or "consensus"
    std::string publisher;                // the events' publisher field
    std::int64_t announce_ms = 1000;      // >= 1
    std::vector<std::string> topics;      // bus topic prefixes to hear; empty = hear nothing
  };
  using InfoFn = std::function<AnnounceInfo()>;
  using DiscoveryFn = std::function<void(const Discovery&)>;

  // Per registry, as CLUSTER views and logs show it.
  struct RegistryState {
    std::string endpoint;    // its ROUTER
    std::string events_pub;  // bus we publish to ("" until its first ANNOUNCE_OK)
    std::string events_sub;  // bus we hear ("" until then)
    std::int64_t last_answer_ms = -1;  // monotonic, -1 = never answered
  };

  RegistryLink(zmq::context_t& ctx, Options options, const Clock& clock, InfoFn info);
  ~RegistryLink();
  RegistryLink(const RegistryLink&) = delete;
  RegistryLink& operator=(const RegistryLink&) = delete;

  // Called with each registry's DISCOVERY (ANNOUNCE_OK), after the bus connections follow it.
  void on_discovery(DiscoveryFn fn) { on_discovery_ = std::move(fn); }

  // Connects a DEALER to each registry. INVALID_ARGUMENT naming the endpoint ZeroMQ refused.
  Status start();

  // Once per loop turn: announces when due; reads every registry's answers (bounded) and
  // follows their bus endpoints; reads what each bus's subscribers want (bounded).
  void turn();
  // Closes every socket at once (linger 0), before a process replaces itself (execv) or must
  // not wait on its peers. The link is unusable afterwards.
  void close();
  // The next turn() announces to every registry (a role change, say).
  void announce_now() { next_announce_ms_ = 0; }

  // The SUB hearing `topics` from every bus, for the caller's poll (nullptr without topics).
  zmq::socket_t* bus_in() { return bus_in_ ? &*bus_in_ : nullptr; }
  // The next event heard that was not heard before on another bus (bounded read: false when
  // none is waiting). Undecodable messages are skipped and counted.
  bool next_event(Event& out);

  // Whether some bus's subscribers want this topic / anything at all.
  bool wants(std::string_view topic) const;
  bool any_subscriber() const;
  bool bus_connected() const;  // connected to at least one bus
  // The union of every bus's subscriptions, for a core that asks before building an event
  // (SchedulerCore::set_event_subscriptions). Valid as long as the link.
  const TopicSubscriptions& subscriptions() const { return merged_; }
  // Numbers the event and sends it to every bus whose subscribers want it. False when no bus
  // took it (none wanted it, or every send failed); sends that fail are counted.
  bool publish_packed(const std::string& topic, std::string_view packed_data);
  bool publish(const std::string& topic, const Json& data);
  // For a publisher that keeps a history of every event (event_history.h): the next seq, taken
  // whether or not anyone wants the event, and the send of the EVENT body made with it (to every
  // bus whose subscribers want the topic; false when none took it).
  std::uint64_t next_seq() { return ++seq_; }
  bool send_event_body(const std::string& topic, std::string body);

  std::vector<RegistryState> registries() const;
  std::uint64_t epoch() const { return epoch_; }
  std::uint64_t published() const { return published_; }  // events handed to the buses (wanted by some)
  std::uint64_t send_failures() const { return send_failures_; }
  std::uint64_t bad_messages() const { return bad_messages_; }
  std::uint64_t duplicates() const { return duplicates_; }  // copies next_event() dropped

 private:
  struct Registry {
    std::string endpoint;
    std::optional<zmq::socket_t> dealer;
    std::optional<zmq::socket_t> events;  // XPUB to events_pub
    std::string events_pub, events_sub;
    TopicSubscriptions subscriptions;     // what the bus behind `events` reports
    std::int64_t last_answer_ms = -1;
  };
  void announce();
  void read_answers(Registry& r);
  void follow(Registry& r, const Discovery& d);
  bool read_subscriptions(Registry& r);  // true when that bus's set changed
  void merge_subscriptions();
  bool sub_endpoint_in_use(const std::string& endpoint, const Registry* except) const;

  zmq::context_t& ctx_;
  const Options options_;
  const Clock& clock_;
  InfoFn info_;
  DiscoveryFn on_discovery_;
  std::vector<std::unique_ptr<Registry>> registries_;  // one per options_.registries, same order
  std::optional<zmq::socket_t> bus_in_;                 // SUB, only with options_.topics
  TopicSubscriptions merged_;  // union of every registries_[i]->subscriptions
  EventDedup dedup_;
  const std::uint64_t epoch_;
  std::uint64_t seq_ = 0;            // of the last event numbered here
  std::uint64_t published_ = 0;
  std::int64_t next_announce_ms_ = 0;
  std::uint64_t send_failures_ = 0;
  std::uint64_t bad_messages_ = 0;
  std::uint64_t duplicates_ = 0;
};

}  // namespace orion
