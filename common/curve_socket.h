// CURVE (CurveZMQ, RFC 26) on one socket. A server socket (one that binds: ROUTER, the bus's
// XSUB and XPUB) proves its key pair and has each client's public key checked by the process's
// ZapHandler; a client socket (one that connects) proves its own pair and admits only the
// server whose public key it was given. Set before bind or connect.
//
//   auto pair = read_key_pair(path).value();
//   make_curve_server(router, pair);                     // and a ZapHandler in its context
//   make_curve_client(dealer, pair, service_public_key);
#pragma once

#include <string>

#include <zmq.hpp>

#include "common/curve_keys.h"

namespace orion {

void make_curve_server(zmq::socket_t& socket, const CurveKeyPair& own);
void make_curve_client(zmq::socket_t& socket, const CurveKeyPair& own, const std::string& server_public_key);

// The ZAP user id of the connection a message came from (the principal its key maps to), or ""
// when its socket does not take CURVE. Read from any frame of the message.
std::string principal_of(zmq::message_t& frame);

}  // namespace orion
