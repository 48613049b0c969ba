#include "common/curve_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <zmq.h>

namespace orion {
namespace {

constexpr std::size_t kMaxKeyFileBytes = 4096;  // a key file is three short lines

Error bad_file(const std::string& path, const std::string& why) {
  return make_error(ErrorCode::INVALID_ARGUMENT, "key file " + path + ": " + why);
}

// The file's `name = value` lines, by name. Refuses anything else, and a name given twice.
Result<std::map<std::string, std::string>> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad_file(path, std::string("cannot be read: ") + std::strerror(errno));
  std::string text(kMaxKeyFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxKeyFileBytes) return bad_file(path, "longer than a key file can be");
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  std::string line;
  for (int n = 1; std::getline(lines, line); ++n) {
    auto trim = [](std::string s) {
      const auto b = s.find_first_not_of(" \t\r");
      const auto e = s.find_last_not_of(" \t\r");
      return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    const std::string where = "line " + std::to_string(n);
    if (eq == std::string::npos) return bad_file(path, where + " is not 'name = value'");
    const std::string name = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (name != "public" && name != "secret") return bad_file(path, where + ": unknown name '" + name + "'");
    if (!is_z85_key(value)) return bad_file(path, where + ": the " + name + " key is not 40 characters of Z85");
    if (!out.emplace(name, value).second) return bad_file(path, where + ": a second " + name + " key");
  }
  return out;
}

Status write_file(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    const auto code = errno == EEXIST ? ErrorCode::ALREADY_EXISTS : ErrorCode::INVALID_ARGUMENT;
    return make_error(code, "key file " + path + ": " + std::strerror(errno));
  }
  ::fchmod(fd, mode);  // whatever the umask took away or added
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(path.c_str());
      return make_error(ErrorCode::INVALID_ARGUMENT, "key file " + path + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "key file " + path + ": " + std::strerror(errno));
  }
  return {};
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
  if (auto s = write_file(path,
                          "# Orion CURVE key pair: keep this file secret (mode 0600)\npublic = " + pair.public_key +
                              "\nsecret = " + pair.secret_key + "\n",
                          0600);
      !s) {
    return s;
  }
  return write_file(pub_path, "# Orion CURVE public key\npublic = " + pair.public_key + "\n", 0644);
}

Result<CurveKeyPair> read_key_pair(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return bad_file(path, std::strerror(errno));
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return bad_file(path, "group or others may read it: a secret key must be mode 0600 (chmod 600 " + path + ")");
  }
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
