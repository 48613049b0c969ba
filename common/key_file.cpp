#include "common/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace orion {
namespace {
constexpr std::size_t kMaxKeyFileBytes = 4096;  // a key file is a few short lines
}  // namespace

Error bad_key_file(const std::string& path, const std::string& why) {
  return make_error(ErrorCode::INVALID_ARGUMENT, "key file " + path + ": " + why);
}

Result<std::map<std::string, std::string>> read_key_file(const std::string& path,
                                                         const std::vector<std::string>& names,
                                                         const std::function<bool(std::string_view)>& valid,
                                                         const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad_key_file(path, std::string("cannot be read: ") + std::strerror(errno));
  std::string text(kMaxKeyFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxKeyFileBytes) return bad_key_file(path, "longer than a key file can be");
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  std::string line;
  auto trim = [](const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    const auto e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  for (int n = 1; std::getline(lines, line); ++n) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    const std::string where = "line " + std::to_string(n);
    if (eq == std::string::npos) return bad_key_file(path, where + " is not 'name = value'");
    const std::string name = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return bad_key_file(path, where + ": unknown name '" + name + "'");
    }
    if (!valid(value)) return bad_key_file(path, where + ": the " + name + " key is not " + what);
    if (!out.emplace(name, value).second) return bad_key_file(path, where + ": a second " + name + " key");
  }
  return out;
}

Status check_secret_mode(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return bad_key_file(path, std::strerror(errno));
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return bad_key_file(path, "group or others may read it: a secret key must be mode 0600 (chmod 600 " + path + ")");
  }
  return {};
}

Status write_key_file(const std::string& path, const std::string& text, mode_t mode) {
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
      return bad_key_file(path, why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return bad_key_file(path, std::strerror(errno));
  return {};
}

}  // namespace orion
