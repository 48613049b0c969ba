// This process's CURVE setting (CurveZMQ, RFC 26), set once at start, before any socket is
// made, and applied by bind_socket (as a CURVE server) and connect_socket (as a CURVE client)
// to every tcp:// endpoint; inproc:// and ipc:// endpoints stay as they are.
//
//   auto security = load_transport_security(key_file, server_key_file);   // flags or environment
//   if (!security) fail(security.error());
//   set_transport_security(std::move(*security));
//
// Without keys (the default) every socket is plain ZMTP, as before; a service bound beyond
// loopback that way says so loudly at start (bind_socket logs event=insecure_bind).
#pragma once

#include <optional>
#include <string>

#include "common/curve_keys.h"
#include "common/status.h"
#include "common/zap_handler.h"

namespace orion {

struct TransportSecurity {
  std::optional<CurveKeyPair> own;  // this process's key pair
  std::string server_key;           // Z85: the key the services present, which connects check
  // A service's: the keys it admits (its policy's). make_socket starts a ZAP handler with it in
  // every context the process makes sockets in. Empty in a client or an agent (it binds nothing).
  ZapHandler::RingSource admitted;
  bool enabled() const { return own.has_value(); }
};

// key_file: a key pair file; server_key_file: the services' public key (a .pub or a key pair
// file), by default the key pair's own public key (services of one cluster sharing one pair).
// Both empty: no CURVE. A server key without a key pair is INVALID_ARGUMENT.
Result<TransportSecurity> load_transport_security(const std::string& key_file, const std::string& server_key_file);

void set_transport_security(TransportSecurity security);
// A client's or an agent's keys (--curve-key, --curve-server-key), loaded and set for every
// socket made from here on. A client must name the server key: INVALID_ARGUMENT without it
// (or when a file does not read).
Status use_client_keys(const std::string& key_file, const std::string& server_key_file);
const TransportSecurity& transport_security();

// tcp://127.x.y.z, tcp://localhost, tcp://[::1], and any non-TCP endpoint.
bool is_loopback_endpoint(const std::string& endpoint);

}  // namespace orion
