// ConsensusCore's events and their history (consensus_core.h; protocol.md sections 7 and 16).
// With the history on, apply() numbers each event itself, from state: every replica applying
// the same commands records the same events under the same (publisher, epoch, seq), and the
// leader publishes the recorded body as is, so a subscriber sees one stream across restarts and
// failovers, and a new leader answers EVENT_HISTORY for events its predecessor published.
#include "common/codec.h"
#include "common/event_bound.h"
#include "services/consensus/consensus_core.h"

namespace orion::consensus {
namespace {

// The epoch of a cluster's events: drawn from what every replica knows alike at the first
// event (the cluster id and the log's time), in 1..2^63-1.
std::uint64_t events_epoch(const std::string& cluster_id, std::int64_t now_ms) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a, 64 bits
  auto mix = [&h](unsigned char c) { h = (h ^ c) * 1099511628211ULL; };
  for (unsigned char c : cluster_id) mix(c);
  for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(static_cast<std::uint64_t>(now_ms) >> (8 * i)));
  h &= (1ULL << 63) - 1;
  return h == 0 ? 1 : h;
}

}  // namespace

void ConsensusCore::emit(std::string topic, Json data) {
  if (!history_.enabled()) {
    events_.push_back({std::move(topic), std::move(data), {}});
    return;
  }
  if (event_epoch_ == 0) event_epoch_ = events_epoch(cluster_id_, now_ms_);
  ++event_seq_;
  meta_dirty_ = true;
  std::string body = history_.record(topic, "consensus", event_epoch_, event_seq_, now_ms_,
                                     bounded_event_data(encode_value(data)));
  if (events_on_) events_.push_back({std::move(topic), std::move(data), std::move(body)});
}

}  // namespace orion::consensus
