#include "common/vote_signature.h"

#include <unistd.h>

#include <stdexcept>

#include <sodium.h>

#include "common/consensus_messages.h"
#include "common/key_file.h"

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

std::string proposal_digest(const std::string& proposer, const std::string& type, const std::string& capability,
                            ConsensusType consensus_type, const Json& data) {
  ensure_sodium();
  const std::string content = proposal_content_bytes(proposer, type, capability, consensus_type, data);
  std::string digest(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(digest.data()), digest.size(), bytes(content), content.size(),
                     nullptr, 0);
  return to_hex(digest);
}

VoteSubject vote_subject(const ProposalView& view, const std::string& agent_id) {
  return VoteSubject{view.cluster_id, view.proposal_id,
                     proposal_digest(view.proposer, view.type, view.capability, view.consensus_type, view.data),
                     agent_id};
}

std::string sign_vote(const std::string& secret_key, const VoteSubject& subject, bool yes) {
  ensure_sodium();
  if (secret_key.size() != crypto_sign_SECRETKEYBYTES) throw std::invalid_argument("an Ed25519 secret key is 64 bytes");
  std::string message = vote_signing_bytes(subject, yes);
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr, bytes(message), message.size(),
                       bytes(secret_key));
  return to_hex(sig);
}

bool verify_vote(std::string_view public_key_hex, const VoteSubject& subject, bool yes,
                 std::string_view signature_hex) {
  ensure_sodium();
  std::string pk = from_hex(public_key_hex), sig = from_hex(signature_hex);
  if (pk.size() != crypto_sign_PUBLICKEYBYTES || sig.size() != crypto_sign_BYTES) return false;
  std::string message = vote_signing_bytes(subject, yes);
  return crypto_sign_verify_detached(bytes(sig), bytes(message), message.size(), bytes(pk)) == 0;
}

std::string keyed_digest_hex(std::string_view key, std::string_view message, std::size_t length) {
  ensure_sodium();
  if (length < crypto_generichash_BYTES_MIN || length > crypto_generichash_BYTES_MAX) {
    throw std::invalid_argument("a keyed digest is 16..64 bytes");
  }
  // Any key length: the key used is the key's own BLAKE2b-256 (generichash takes 16..64 bytes).
  std::string k;
  if (!key.empty()) {
    k.resize(crypto_generichash_BYTES);
    crypto_generichash(reinterpret_cast<unsigned char*>(k.data()), k.size(),
                       reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr, 0);
  }
  std::string digest(length, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(digest.data()), length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                     k.empty() ? nullptr : bytes(k), k.size());
  return to_hex(digest);
}

Status write_vote_key(const std::string& path, const VoteKeys& keys) {
  const std::string pub = keys.public_key_hex();
  if (::access((path + ".pub").c_str(), F_OK) == 0) {
    return make_error(ErrorCode::ALREADY_EXISTS, "key file " + path + ".pub exists: not overwritten");
  }
  if (auto s = write_key_file(path,
                              "# Orion vote key (Ed25519): keep this file secret (mode 0600)\npublic = " + pub +
                                  "\nsecret = " + to_hex(keys.secret_key.substr(0, crypto_sign_SEEDBYTES)) + "\n",
                              0600);
      !s) {
    return s;
  }
  return write_key_file(path + ".pub", "# Orion vote public key (Ed25519)\npublic = " + pub + "\n", 0644);
}

Result<VoteKeys> read_vote_key(const std::string& path) {
  if (auto s = check_secret_mode(path); !s) return s.error();
  auto is_hex64 = [](std::string_view v) { return v.size() == 64 && from_hex(v).size() == 32; };
  auto lines = read_key_file(path, {"public", "secret"}, is_hex64, "64 hex digits");
  if (!lines) return lines.error();
  auto sec = lines->find("secret");
  if (sec == lines->end()) return bad_key_file(path, "no secret key (a public key file is not a vote key)");
  VoteKeys keys = VoteKeys::from_seed(from_hex(sec->second));
  if (auto pub = lines->find("public"); pub != lines->end() && from_hex(pub->second) != keys.public_key) {
    return bad_key_file(path, "its public key is not the public key of its secret key");
  }
  return keys;
}

}  // namespace orion::consensus
