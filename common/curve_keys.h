// CURVE keys (CurveZMQ, RFC 26) as Orion keeps them: Z85 text, 40 characters a key, in small
// text files. A key pair file is secret (mode 0600; a file others may read is refused, as ssh
// refuses a private key others can read); its public half is also written beside it as
// PATH.pub, the file to hand to peers and to put in a policy.
//
//   auto pair = generate_curve_key_pair();
//   if (auto s = write_key_pair("scheduler.key", pair); !s) ...;   // and scheduler.key.pub
//   auto mine = read_key_pair("scheduler.key");                   // INVALID_ARGUMENT naming the file
//   auto theirs = read_public_key("registry.key.pub");            // a .pub or a pair file
//
// A key pair file:
//   # Orion CURVE key pair: keep this file secret (mode 0600)
//   public = rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7
//   secret = JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6
// A public key file has the `public` line only. Blank lines and lines starting with # are
// comments; nothing else is allowed.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace orion {

inline constexpr std::size_t kZ85KeyLength = 40;  // a 32-byte key in Z85

struct CurveKeyPair {
  std::string public_key;  // Z85
  std::string secret_key;  // Z85
};

// A fresh key pair from libzmq (libsodium's randomness underneath).
CurveKeyPair generate_curve_key_pair();
// True for 40 characters of Z85 that decode to 32 bytes.
bool is_z85_key(std::string_view text);
// The public key of a secret one (Z85 in and out), or INVALID_ARGUMENT.
Result<std::string> public_key_of(const std::string& secret_key);
// The 32 bytes a Z85 key stands for (what a ZAP request carries), or INVALID_ARGUMENT.
Result<std::string> z85_key_bytes(const std::string& key);
// The Z85 text of 32 key bytes.
std::string z85_of_key_bytes(std::string_view bytes);

// Writes `path` (mode 0600, created anew: an existing file is not overwritten) and path + ".pub"
// (mode 0644). ALREADY_EXISTS when either exists; INVALID_ARGUMENT when it cannot be written.
Status write_key_pair(const std::string& path, const CurveKeyPair& pair);
// Reads a key pair file; the public key must be the secret key's. INVALID_ARGUMENT naming the
// file and the line when it is not one, or when group or others may read it.
Result<CurveKeyPair> read_key_pair(const std::string& path);
// The public key of a public key file or of a key pair file.
Result<std::string> read_public_key(const std::string& path);

}  // namespace orion
