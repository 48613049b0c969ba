#include "common/vote_signature.h"

#include <stdexcept>

#include <sodium.h>

#include "common/consensus_messages.h"

namespace orion::consensus {

namespace {

// sodium_init() is thread-safe and idempotent; it picks the fastest implementation once.
void ensure_sodium() {
  static const int ready = sodium_init();
  if (ready < 0) throw std::runtime_error("libsodium failed to initialise");
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

std::string to_hex(std::string_view in) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(in.size() * 2);
  for (unsigned char c : in) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xf]);
  }
  return out;
}

std::string from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return {};
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

VoteKeys VoteKeys::generate() {
  ensure_sodium();
  VoteKeys k;
  k.public_key.resize(crypto_sign_PUBLICKEYBYTES);
  k.secret_key.resize(crypto_sign_SECRETKEYBYTES);
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(k.public_key.data()),
                      reinterpret_cast<unsigned char*>(k.secret_key.data()));
  return k;
}

VoteKeys VoteKeys::from_seed(std::string_view seed32) {
  ensure_sodium();
  if (seed32.size() != crypto_sign_SEEDBYTES) throw std::invalid_argument("an Ed25519 seed is 32 bytes");
  VoteKeys k;
  k.public_key.resize(crypto_sign_PUBLICKEYBYTES);
  k.secret_key.resize(crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(k.public_key.data()),
                           reinterpret_cast<unsigned char*>(k.secret_key.data()),
                           reinterpret_cast<const unsigned char*>(seed32.data()));
  return k;
}

std::string VoteKeys::public_key_hex() const { return to_hex(public_key); }

std::string sign_vote(const std::string& secret_key, std::string_view proposal_id, std::string_view agent_id,
                      bool yes) {
  ensure_sodium();
  if (secret_key.size() != crypto_sign_SECRETKEYBYTES) throw std::invalid_argument("an Ed25519 secret key is 64 bytes");
  std::string message = vote_signing_bytes(proposal_id, agent_id, yes);
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr, bytes(message), message.size(),
                       bytes(secret_key));
  return to_hex(sig);
}

bool verify_vote(std::string_view public_key_hex, std::string_view proposal_id, std::string_view agent_id, bool yes,
                 std::string_view signature_hex) {
  ensure_sodium();
  std::string pk = from_hex(public_key_hex), sig = from_hex(signature_hex);
  if (pk.size() != crypto_sign_PUBLICKEYBYTES || sig.size() != crypto_sign_BYTES) return false;
  std::string message = vote_signing_bytes(proposal_id, agent_id, yes);
  return crypto_sign_verify_detached(bytes(sig), bytes(message), message.size(), bytes(pk)) == 0;
}

}  // namespace orion::consensus
