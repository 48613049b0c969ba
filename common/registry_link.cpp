#include "common/logfmt.h"
#include "common/registry_link.h"

#include <cerrno>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/codec.h"
#include "common/event_bound.h"
#include "common/ids.h"
#include "common/sockets.h"
#include "common/task_pack.h"

namespace orion {

namespace {

// Messages read from one socket per turn: bounds what a flood adds to the caller's turn.
constexpr int kMaxReads = 256;
// ANNOUNCEs queued for a registry that does not read them: past this they are dropped (and
// counted) instead of piling up for its return; each one repeats the last anyway.
constexpr int kAnnounceQueue = 4;

bool sampled(std::uint64_t count) { return count <= 10 || count % 1000 == 0; }

}  // namespace

RegistryLink::RegistryLink(zmq::context_t& ctx, Options options, const Clock& clock, InfoFn info)
    : ctx_(ctx), options_(std::move(options)), clock_(clock), info_(std::move(info)), epoch_(new_epoch()) {}

RegistryLink::~RegistryLink() = default;

Status RegistryLink::start() {
  if (options_.registries.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "--registry: names no registry");
  for (const auto& endpoint : options_.registries) {
    auto r = std::make_unique<Registry>();
    r->endpoint = endpoint;
    SocketOptions so;
    so.send_hwm = kAnnounceQueue;
    r->dealer.emplace(make_socket(ctx_, zmq::socket_type::dealer, so));
    try {
      connect_socket(*r->dealer, endpoint);
    } catch (const zmq::error_t& e) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "--registry: cannot connect to '" + endpoint + "': " + e.what());
    }
    registries_.push_back(std::move(r));
  }
  if (!options_.topics.empty()) {
    bus_in_.emplace(make_socket(ctx_, zmq::socket_type::sub));
    for (const auto& t : options_.topics) bus_in_->set(zmq::sockopt::subscribe, t);
  }
  spdlog::info("event=registry_link service={} registries={} epoch={}", options_.service,
               options_.registries.size(), epoch_);
  return {};
}

void RegistryLink::turn() {
  announce();
  bool changed = false;
  for (auto& r : registries_) {
    const bool had_bus = r->events.has_value();
    const std::string before = r->events_pub;
    read_answers(*r);
    changed |= r->events_pub != before || r->events.has_value() != had_bus;
    changed |= read_subscriptions(*r);
  }
  if (changed) merge_subscriptions();
}

// O(prefixes of every bus), only on a turn where one changed (subscriptions change rarely).
void RegistryLink::merge_subscriptions() {
  merged_.clear();
  for (const auto& r : registries_) {
    if (r->events) merged_.add_all(r->subscriptions);
  }
}

void RegistryLink::announce() {
  if (registries_.empty() || clock_.now_ms() < next_announce_ms_) return;
  next_announce_ms_ = clock_.now_ms() + options_.announce_ms;
  AnnounceInfo info = info_();
  Announce a;
  a.service = options_.service;
  a.endpoints = std::move(info.endpoints);
  a.id = info.id;
  a.role = std::move(info.role);
  a.term = info.term;
  a.commit_index = info.commit_index;
  a.applied_index = info.applied_index;
  // One body for all: each registry gets the same ANNOUNCE (its own request id).
  Json body = a.to_body();
  for (auto& r : registries_) {
    if (!send_envelope(*r->dealer, Envelope{MsgType::ANNOUNCE, random_hex(8), body})) {
      // A registry that does not read (down): its queue is full. Counted, not logged each time.
      ++send_failures_;
    }
  }
}

void RegistryLink::read_answers(Registry& r) {
  Incoming in;
  for (int i = 0; i < kMaxReads && receive(*r.dealer, in, false); ++i) {
    if (!in.envelope) {
      if (sampled(++bad_messages_)) {
        spdlog::warn("event=registry_bad_answer registry={} error={} bad_total={}", r.endpoint,
                     orion::logfmt_value(in.envelope.error().to_string()), bad_messages_);
      }
      continue;
    }
    r.last_answer_ms = clock_.now_ms();
    if (in.envelope->type == MsgType::ERROR) {
      // Our ANNOUNCE was refused (a registry that does not know the service, a full table).
      if (sampled(++bad_messages_)) {
        spdlog::warn("event=announce_refused registry={} error={}", r.endpoint,
                     orion::logfmt_value(error_from_body(in.envelope->body).to_string()));
      }
      continue;
    }
    if (in.envelope->type != MsgType::ANNOUNCE_OK) continue;
    auto d = Discovery::from_body(in.envelope->body);
    if (!d) continue;
    follow(r, *d);
    if (on_discovery_) on_discovery_(*d);
  }
}

void RegistryLink::follow(Registry& r, const Discovery& d) {
  if (!d.events_pub.empty() && d.events_pub != r.events_pub) {
    // A new XPUB: the old one's connection and the subscriptions its bus reported go with it.
    std::optional<zmq::socket_t> fresh;
    try {
      fresh.emplace(make_socket(ctx_, zmq::socket_type::xpub));
      connect_socket(*fresh, d.events_pub);
      r.events = std::move(fresh);
      r.subscriptions.clear();
      spdlog::info("event=bus_connected registry={} events_pub={} replaced={}", r.endpoint, d.events_pub,
                   r.events_pub.empty() ? "-" : r.events_pub);
      r.events_pub = d.events_pub;
    } catch (const zmq::error_t& e) {
      spdlog::warn("event=bus_connect_failed registry={} endpoint={} error={}",
                   r.endpoint, d.events_pub, orion::logfmt_value(e.what()));
    }
  }
  if (bus_in_ && !d.events_sub.empty() && d.events_sub != r.events_sub) {
    try {
      // Another registry may hand out the same bus (one registry listed twice under two names).
      if (!r.events_sub.empty() && !sub_endpoint_in_use(r.events_sub, &r)) bus_in_->disconnect(r.events_sub);
      if (!sub_endpoint_in_use(d.events_sub, &r)) connect_socket(*bus_in_, d.events_sub);
      spdlog::info("event=bus_subscribed registry={} events_sub={} replaced={}", r.endpoint, d.events_sub,
                   r.events_sub.empty() ? "-" : r.events_sub);
      r.events_sub = d.events_sub;
    } catch (const zmq::error_t& e) {
      spdlog::warn("event=bus_connect_failed registry={} endpoint={} error={}",
                   r.endpoint, d.events_sub, orion::logfmt_value(e.what()));
    }
  }
}

bool RegistryLink::sub_endpoint_in_use(const std::string& endpoint, const Registry* except) const {
  for (const auto& r : registries_) {
    if (r.get() != except && r->events_sub == endpoint) return true;
  }
  return false;
}

// What the bus's subscribers want reaches us through its XSUB. Read every turn, not polled: a
// subscription only needs to be seen before the next event is built. A subscriber's first
// events may be missed either way (the slow joiner of PUB/SUB); events are news.
bool RegistryLink::read_subscriptions(Registry& r) {
  if (!r.events) return false;
  zmq::message_t m;
  bool changed = false;
  for (int i = 0; i < kMaxReads; ++i) {
    try {
      if (!r.events->recv(m, zmq::recv_flags::dontwait)) return changed;
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) return changed;  // the rest next turn
      throw;
    }
    if (r.subscriptions.apply(m.data(), m.size())) {
      changed = true;
    } else {
      ++bad_messages_;
    }
  }
  return changed;
}

bool RegistryLink::next_event(Event& out) {
  if (!bus_in_) return false;
  Incoming in;
  for (int i = 0; i < kMaxReads && receive(*bus_in_, in, false, /*topic=*/true); ++i) {
    if (!in.envelope || in.envelope->type != MsgType::EVENT) {
      ++bad_messages_;
      continue;
    }
    auto ev = Event::from_body(in.envelope->body);
    if (!ev) {
      ++bad_messages_;
      continue;
    }
    if (!dedup_.accept(ev->publisher, ev->epoch, ev->seq).fresh) {
      ++duplicates_;
      continue;
    }
    out = std::move(*ev);
    return true;
  }
  return false;
}

bool RegistryLink::wants(std::string_view topic) const { return merged_.wants(topic); }

bool RegistryLink::any_subscriber() const { return merged_.any(); }

bool RegistryLink::bus_connected() const {
  for (const auto& r : registries_) {
    if (r->events) return true;
  }
  return false;
}

bool RegistryLink::publish_packed(const std::string& topic, std::string_view packed_data) {
  if (!wants(topic)) return false;  // events are news: nobody to tell
  if (packed_data.size() > kMaxEventDataBytes) return publish_packed(topic, bounded_event_data(std::string(packed_data)));
  return send_event_body(topic, pack_event(topic, options_.publisher, epoch_, ++seq_, clock_.wall_ms(), packed_data));
}

bool RegistryLink::send_event_body(const std::string& topic, std::string body) {
  if (!wants(topic)) return false;
  ++published_;
  Envelope e = packed_envelope(MsgType::EVENT, "", std::move(body));
  bool sent = false;
  for (auto& r : registries_) {
    if (!r->events || !r->subscriptions.wants(topic)) continue;
    if (send_event(*r->events, e, topic)) {
      sent = true;
    } else {
      ++send_failures_;
    }
  }
  return sent;
}

bool RegistryLink::publish(const std::string& topic, const Json& data) {
  if (!wants(topic)) return false;
  return publish_packed(topic, encode_value(data));
}

std::vector<RegistryLink::RegistryState> RegistryLink::registries() const {
  std::vector<RegistryState> out;
  for (const auto& r : registries_) out.push_back({r->endpoint, r->events_pub, r->events_sub, r->last_answer_ms});
  return out;
}

void RegistryLink::close() {
  auto shut = [](zmq::socket_t& socket) {
    socket.set(zmq::sockopt::linger, 0);
    socket.close();
  };
  for (auto& r : registries_) {
    if (r->dealer) shut(*r->dealer);
    if (r->events) shut(*r->events);
  }
  if (bus_in_) shut(*bus_in_);
}

}  // namespace orion
