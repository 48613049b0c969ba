#include "services/registry/event_publisher.h"

#include <utility>

#include "common/event_bound.h"
#include "common/ids.h"
#include "common/sockets.h"

namespace orion::registry {

EventPublisher::EventPublisher(zmq::context_t& ctx, const std::string& connect_to, std::string publisher,
                               const Clock& clock)
    : pub_(make_socket(ctx, zmq::socket_type::pub)), publisher_(std::move(publisher)), clock_(clock), epoch_(new_epoch()) {
  connect_socket(pub_, connect_to);
}

bool EventPublisher::publish(const std::string& topic, Json data) {
  Event event;
  event.topic = topic;
  event.publisher = publisher_;
  event.epoch = epoch_;
  event.seq = ++seq_;
  event.ts_ms = clock_.wall_ms();
  event.data = bounded_event_data(std::move(data));
  return send_event(pub_, Envelope{MsgType::EVENT, std::string(), event.to_body()}, topic);
}

}  // namespace orion::registry
