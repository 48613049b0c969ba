// Publishes this process's own events onto the bus: one PUB socket, numbered events.
//
//   EventPublisher pub(ctx, bus.inproc_endpoint(), "registry", clock);
//   if (!pub.publish("agent.down", {{"agent_id", "a1"}})) ++failures;
//
// Each event goes out as [topic][ORION/1][EVENT][""][Event{topic, publisher, epoch, seq, ts_ms,
// data}], seq counting 1, 2, 3, ... within this object's epoch (drawn at construction), so a
// subscriber can spot a gap and re-read state with a command, and tell a restart from a gap.
// Like every PUB, events published before a subscriber's subscription has reached us are
// dropped: events are news, never the only copy of a fact.
#pragma once

#include <cstdint>
#include <string>

#include <zmq.hpp>

#include "common/clock.h"
#include "common/codec.h"

namespace orion::registry {

class EventPublisher {
 public:
  EventPublisher(zmq::context_t& ctx, const std::string& connect_to, std::string publisher, const Clock& clock);

  // Sends without blocking; false when the event could not be queued (counted by the caller).
  // The sequence number is used either way, so a lost event shows up as a gap.
  bool publish(const std::string& topic, Json data);

  std::uint64_t last_seq() const { return seq_; }
  std::uint64_t epoch() const { return epoch_; }

 private:
  zmq::socket_t pub_;
  std::string publisher_;
  const Clock& clock_;
  const std::uint64_t epoch_;
  std::uint64_t seq_ = 0;  // of the last event published; the next is seq_ + 1
};

}  // namespace orion::registry
