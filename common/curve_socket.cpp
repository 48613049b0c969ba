#include "common/curve_socket.h"

#include <zmq.h>

namespace orion {

void make_curve_server(zmq::socket_t& socket, const CurveKeyPair& own) {
  socket.set(zmq::sockopt::curve_server, true);
  socket.set(zmq::sockopt::curve_secretkey, own.secret_key);
  // A domain makes libzmq ask the ZAP handler about every handshake, refusing the peer when no
  // handler answers (rather than admitting it).
  socket.set(zmq::sockopt::zap_domain, "orion");
}

void make_curve_client(zmq::socket_t& socket, const CurveKeyPair& own, const std::string& server_public_key) {
  socket.set(zmq::sockopt::curve_serverkey, server_public_key);
  socket.set(zmq::sockopt::curve_publickey, own.public_key);
  socket.set(zmq::sockopt::curve_secretkey, own.secret_key);
}

std::string principal_of(zmq::message_t& frame) {
  const char* user = zmq_msg_gets(frame.handle(), "User-Id");  // nullptr when absent
  return user ? std::string(user) : std::string();
}

}  // namespace orion
