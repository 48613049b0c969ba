#include "tests/integration/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace orion::testing {

std::string bin(const std::string& name) { return std::string(ORION_BIN_DIR) + "/" + name; }

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void pause_ms(std::int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

Process::Process(const std::string& path, const std::vector<std::string>& args, const std::string& log_path,
                 const std::string& err_path)
    : log_path_(log_path) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (err_path.empty()) posix_spawn_file_actions_adddup2(&fa, 1, 2);
  else posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  int rc = posix_spawn(&pid_, path.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + path + ": " + std::to_string(rc));
}

Process::~Process() {
  if (pid_ > 0) stop(3000);
}

bool Process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int Process::wait_exit(std::int64_t timeout_ms) {
  if (pid_ <= 0) return -1;
  int status = 0;
  bool exited = wait_until(
      [&] {
        return waitpid(pid_, &status, WNOHANG) == pid_;
      },
      timeout_ms);
  if (!exited) return -2;
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

namespace {
std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

CommandResult run_command(const std::string& path, const std::vector<std::string>& args, const std::string& dir,
                          std::int64_t timeout_ms) {
  static int n = 0;
  std::string out = dir + "/cmd-" + std::to_string(++n) + ".out", err = dir + "/cmd-" + std::to_string(n) + ".err";
  std::remove(out.c_str());
  CommandResult r;
  {
    Process p(path, args, out, err);
    r.exit_code = p.wait_exit(timeout_ms);
  }
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

void Process::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int Process::stop(std::int64_t timeout_ms) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  if (wait_until([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout_ms)) {
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  kill9();
  return -1;
}

std::string Process::log_tail(std::size_t bytes) const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  auto s = ss.str();
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

std::optional<nlohmann::json> wait_for_json_file(const std::string& path, std::int64_t timeout_ms) {
  std::optional<nlohmann::json> out;
  wait_until(
      [&] {
        std::ifstream in(path);
        if (!in) return false;
        try {
          out = nlohmann::json::parse(in);
          return true;
        } catch (const std::exception&) {
          return false;
        }
      },
      timeout_ms);
  return out;
}

TempDir::TempDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace orion::testing
