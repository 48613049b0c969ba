#include "common/transport_security.h"

namespace orion {
namespace {

TransportSecurity& current() {
  static TransportSecurity security;
  return security;
}

}  // namespace

Result<TransportSecurity> load_transport_security(const std::string& key_file, const std::string& server_key_file) {
  TransportSecurity out;
  if (key_file.empty()) {
    if (!server_key_file.empty()) {
      return make_error(ErrorCode::INVALID_ARGUMENT,
                        "--curve-server-key needs --curve-key: a CURVE client proves a key pair of its own");
    }
    return out;
  }
  auto pair = read_key_pair(key_file);
  if (!pair) return pair.error();
  out.own = std::move(*pair);
  if (server_key_file.empty()) {
    out.server_key = out.own->public_key;
  } else {
    auto server = read_public_key(server_key_file);
    if (!server) return server.error();
    out.server_key = std::move(*server);
  }
  return out;
}

Status use_client_keys(const std::string& key_file, const std::string& server_key_file) {
  auto security = load_transport_security(key_file, server_key_file);
  if (!security) return security.error();
  if (security->enabled() && server_key_file.empty()) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "--curve-key needs --curve-server-key: the public key the services present");
  }
  set_transport_security(std::move(*security));
  return {};
}

void set_transport_security(TransportSecurity security) { current() = std::move(security); }
const TransportSecurity& transport_security() { return current(); }

bool is_loopback_endpoint(const std::string& endpoint) {
  const std::string tcp = "tcp://";
  if (endpoint.compare(0, tcp.size(), tcp) != 0) return true;
  const std::string rest = endpoint.substr(tcp.size());
  return rest.compare(0, 4, "127.") == 0 || rest.compare(0, 10, "localhost:") == 0 || rest.compare(0, 6, "[::1]:") == 0;
}

}  // namespace orion
