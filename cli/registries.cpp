#include "cli/registries.h"

#include <chrono>
#include <memory>

#include "cli/support.h"
#include "common/config.h"
#include "common/ids.h"
#include "common/sockets.h"

namespace orion::cli {

std::vector<std::string> registry_list(const cxxopts::ParseResult& args) {
  auto list = parse_endpoint_list("registry", args["registry"].as<std::string>());
  if (!list) throw UsageError(list.error().message);
  return *list;
}

std::vector<RegistryAnswer> ask_every_registry(const std::vector<std::string>& registries, MsgType type,
                                               const Json& body, std::int64_t timeout_ms) {
  using Clock = std::chrono::steady_clock;
  zmq::context_t ctx(1);
  SocketOptions so;
  so.linger_ms = 0;  // an unanswered request must not hold the process open
  std::vector<RegistryAnswer> out(registries.size());
  std::vector<std::unique_ptr<zmq::socket_t>> sockets(registries.size());
  std::vector<std::string> request_ids(registries.size());
  for (std::size_t i = 0; i < registries.size(); ++i) {
    out[i].endpoint = registries[i];
    out[i].answer = make_error(ErrorCode::UNAVAILABLE, "no answer from " + registries[i] + " in " +
                                                           std::to_string(timeout_ms) + " ms");
    try {
      sockets[i] = std::make_unique<zmq::socket_t>(make_socket(ctx, zmq::socket_type::dealer, so));
      connect_socket(*sockets[i], registries[i]);
    } catch (const zmq::error_t& e) {
      out[i].answer = make_error(ErrorCode::INVALID_ARGUMENT, "cannot connect to " + registries[i] + ": " + e.what());
      sockets[i].reset();
      continue;
    }
    request_ids[i] = random_hex(8);
    if (!send_envelope(*sockets[i], Envelope{type, request_ids[i], body})) sockets[i].reset();
  }
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    std::vector<zmq::pollitem_t> items;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < sockets.size(); ++i) {
      if (!sockets[i]) continue;
      items.push_back({sockets[i]->handle(), 0, ZMQ_POLLIN, 0});
      which.push_back(i);
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (items.empty() || left.count() <= 0) break;
    zmq::poll(items.data(), items.size(), left);
    for (std::size_t k = 0; k < items.size(); ++k) {
      if (!(items[k].revents & ZMQ_POLLIN)) continue;
      const std::size_t i = which[k];
      Incoming in;
      while (sockets[i] && receive(*sockets[i], in, false)) {
        if (in.request_id != request_ids[i]) continue;
        if (!in.envelope) out[i].answer = in.envelope.error();
        else if (in.envelope->type == MsgType::ERROR) out[i].answer = error_from_body(in.envelope->body);
        else out[i].answer = std::move(*in.envelope);
        sockets[i].reset();  // answered
      }
    }
  }
  return out;
}

}  // namespace orion::cli
