#include "common/curve_keys.h"

#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>

#include <zmq.h>

#include "common/key_file.h"

namespace orion {
namespace {

Error bad_file(const std::string& path, const std::string& why) { return bad_key_file(path, why); }

Result<std::map<std::string, std::string>> read_lines(const std::string& path) {
  return read_key_file(path, {"public", "secret"}, is_z85_key, "40 characters of Z85");
}

}  // namespace

CurveKeyPair generate_curve_key_pair() {
  std::array<char, kZ85KeyLength + 1> pub{}, sec{};
  if (zmq_curve_keypair(pub.data(), sec.data()) != 0) {
    // Only when libzmq was built without CURVE; Debian's has it (checked at start-up too).
    throw std::runtime_error(std::string("zmq_curve_keypair: ") + zmq_strerror(zmq_errno()));
  }
  return {std::string(pub.data(), kZ85KeyLength), std::string(sec.data(), kZ85KeyLength)};
}

bool is_z85_key(std::string_view text) {
  if (text.size() != kZ85KeyLength) return false;
  std::array<std::uint8_t, 32> bytes{};
  const std::string z(text);
  return zmq_z85_decode(bytes.data(), z.c_str()) != nullptr;
}

Result<std::string> z85_key_bytes(const std::string& key) {
  std::array<std::uint8_t, 32> bytes{};
  if (key.size() != kZ85KeyLength || zmq_z85_decode(bytes.data(), key.c_str()) == nullptr) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "a CURVE key is 40 characters of Z85");
  }
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::string z85_of_key_bytes(std::string_view bytes) {
  if (bytes.size() != 32) return {};
  std::array<char, kZ85KeyLength + 1> out{};
  zmq_z85_encode(out.data(), reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return std::string(out.data(), kZ85KeyLength);
}

Result<std::string> public_key_of(const std::string& secret_key) {
  if (!is_z85_key(secret_key)) return make_error(ErrorCode::INVALID_ARGUMENT, "a CURVE key is 40 characters of Z85");
  std::array<char, kZ85KeyLength + 1> pub{};
  if (zmq_curve_public(pub.data(), secret_key.c_str()) != 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::string("zmq_curve_public: ") + zmq_strerror(zmq_errno()));
  }
  return std::string(pub.data(), kZ85KeyLength);
}

Status write_key_pair(const std::string& path, const CurveKeyPair& pair) {
  if (!is_z85_key(pair.public_key) || !is_z85_key(pair.secret_key)) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "a CURVE key is 40 characters of Z85");
  }
  const std::string pub_path = path + ".pub";
  struct stat st{};
  if (::stat(pub_path.c_str(), &st) == 0) {
    return make_error(ErrorCode::ALREADY_EXISTS, "key file " + pub_path + " exists: not overwritten");
  }
  if (auto s = write_key_file(path,
                          "# Orion CURVE key pair: keep this file secret (mode 0600)\npublic = " + pair.public_key +
                              "\nsecret = " + pair.secret_key + "\n",
                          0600);
      !s) {
    return s;
  }
  return write_key_file(pub_path, "# Orion CURVE public key\npublic = " + pair.public_key + "\n", 0644);
}

Result<CurveKeyPair> read_key_pair(const std::string& path) {
  if (auto s = check_secret_mode(path); !s) return s.error();
  auto lines = read_lines(path);
  if (!lines) return lines.error();
  auto pub = lines->find("public"), sec = lines->find("secret");
  if (sec == lines->end()) return bad_file(path, "no secret key (a public key file is not a key pair)");
  auto derived = public_key_of(sec->second);
  if (!derived) return bad_file(path, derived.error().message);
  if (pub != lines->end() && pub->second != *derived) {
    return bad_file(path, "its public key is not the public key of its secret key");
  }
  return CurveKeyPair{*derived, sec->second};
}

Result<std::string> read_public_key(const std::string& path) {
  auto lines = read_lines(path);
  if (!lines) return lines.error();
  if (auto pub = lines->find("public"); pub != lines->end()) return pub->second;
  if (auto sec = lines->find("secret"); sec != lines->end()) return public_key_of(sec->second);
  return bad_file(path, "no public key in it");
}

}  // namespace orion
