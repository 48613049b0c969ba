// orionctl dev: a whole stack on loopback for a first hour with Orion, in one command. Starts
// orion-registry, orion-scheduler, orion-consensus, orion-dashboard and an example agent (the
// binaries beside orionctl) on one port base, waits until each serves, prints how to reach them,
// and stops them all, newest first, on Ctrl-C or SIGTERM; if one of them dies, says which (with
// the end of its log) and stops the rest.
//
//   orionctl dev                            # ports 7100.. (registry 7100, scheduler 7200,
//                                           # consensus 7300, dashboard 7400), data in ./orion-dev
//   orionctl dev --port-base 9100 --data-dir /tmp/orion
//
// The services run in a process group of their own: a Ctrl-C in the terminal reaches orionctl
// alone, which stops them in order.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <cxxopts.hpp>

#include "cli/commands.h"
#include "cli/support.h"
#include "common/codec.h"

extern char** environ;

namespace orion::cli {
namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

struct Child {
  std::string name;
  pid_t pid = -1;
  std::string log;
  std::string ready;  // its ready file; "" when it writes none
};

std::string bin_dir() {
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : self.parent_path().string();
}

std::string tail_of(const std::string& path, std::size_t bytes = 1500) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

// Starts `args` (args[0] the program) with stdout and stderr to `log`, in a process group of its
// own, with no signal blocked. The pid, or -1 (errno set).
pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  return pid;
}

// True once `path` holds JSON (the service serves); false when `pid` exited first or the deadline passed.
bool wait_ready(const std::string& path, pid_t pid, std::int64_t timeout_ms) {
  const auto deadline = Steady::now() + std::chrono::milliseconds(timeout_ms);
  while (Steady::now() < deadline) {
    std::ifstream in(path);
    if (in) {
      std::stringstream s;
      s << in.rdbuf();
      if (Json::accept(s.str())) return true;
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a file the child writes
  }
  return false;
}

// SIGTERM to each, newest first, up to 5 s each, then SIGKILL; every child reaped.
void stop_all(std::vector<Child>& children) {
  for (auto it = children.rbegin(); it != children.rend(); ++it) {
    if (it->pid <= 0) continue;
    ::kill(it->pid, SIGTERM);
    const auto deadline = Steady::now() + std::chrono::seconds(5);
    int status = 0;
    bool gone = false;
    while (!gone && Steady::now() < deadline) {
      gone = waitpid(it->pid, &status, WNOHANG) == it->pid;
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!gone) {
      ::kill(it->pid, SIGKILL);
      waitpid(it->pid, &status, 0);
    }
    it->pid = -1;
  }
}

}  // namespace

int cmd_dev(int argc, char** argv) {
  return guarded([&] {
    cxxopts::Options o("dev", "Run a whole Orion stack on loopback until Ctrl-C: registry, scheduler, consensus, "
                              "dashboard and an example agent");
    o.add_options()("port-base", "the registry's port; the others follow (scheduler +100, consensus +200, "
                                 "dashboard +300)",
                    cxxopts::value<int>()->default_value("7100"))(
        "data-dir", "data and logs of every service", cxxopts::value<std::string>()->default_value("./orion-dev"))(
        "agents", "example agents to start (0..16)", cxxopts::value<int>()->default_value("1"))(
        "no-dashboard", "do not start orion-dashboard")("h,help", "show this help");
    cxxopts::ParseResult args;
    try {
      args = o.parse(argc, argv);
    } catch (const std::exception& e) {
      throw UsageError(e.what());
    }
    if (args.count("help")) {
      std::cout << o.help() << "\n";
      return 0;
    }
    if (!args.unmatched().empty()) throw UsageError("unexpected argument '" + args.unmatched().front() + "' (see --help)");
    const int base = args["port-base"].as<int>();
    if (base < 1024 || base > 65535 - 400) throw UsageError("--port-base must be in 1024..65135");
    const int agents = args["agents"].as<int>();
    if (agents < 0 || agents > 16) throw UsageError("--agents must be in 0..16");
    const std::string data = args["data-dir"].as<std::string>();
    std::error_code ec;
    fs::create_directories(data + "/logs", ec);
    if (ec) return fail(Error{ErrorCode::INVALID_ARGUMENT, "--data-dir: cannot create " + data + ": " + ec.message()});
    const std::string bin = bin_dir(), host = "127.0.0.1";
    auto port = [&](int offset) { return std::to_string(base + offset); };
    auto tcp = [&](int offset) { return "tcp://" + host + ":" + port(offset); };
    auto addr = [&](int offset) { return host + ":" + port(offset); };
    const std::string registry = tcp(0);

    // SIGINT and SIGTERM wait for sigtimedwait below; the children get an empty mask (spawn).
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop_signals, nullptr);

    std::vector<Child> children;
    auto start = [&](const std::string& name, std::vector<std::string> cmd, bool ready_file) -> bool {
      Child c;
      c.name = name;
      c.log = data + "/logs/" + name + ".log";
      if (ready_file) {
        c.ready = data + "/" + name + ".ready";
        fs::remove(c.ready, ec);
        cmd.insert(cmd.end(), {"--ready-file", c.ready});
      }
      cmd.insert(cmd.begin(), bin + "/" + cmd.front());
      cmd.erase(cmd.begin() + 1);
      c.pid = spawn(cmd, c.log);
      if (c.pid < 0) {
        std::cerr << "orionctl dev: cannot start " << cmd.front() << ": " << std::strerror(errno) << "\n";
        return false;
      }
      children.push_back(c);
      if (ready_file && !wait_ready(c.ready, c.pid, 30'000)) {
        std::cerr << "orionctl dev: " << name << " did not start (is port " << port(0) << ".. free?); the end of "
                  << c.log << ":\n"
                  << tail_of(c.log) << "\n";
        return false;
      }
      return true;
    };
    const std::string service_log = "info";
    bool ok = start("registry",
                    {"orion-registry", "--bind", tcp(0), "--bind-events-pub", tcp(1), "--bind-events-sub", tcp(2),
                     "--metrics-bind", addr(80), "--data-dir", data + "/registry"},
                    true) &&
              start("scheduler",
                    {"orion-scheduler", "--registry", registry, "--bind-client", tcp(100), "--bind-agent", tcp(101),
                     "--metrics-bind", addr(180), "--data-dir", data + "/scheduler"},
                    true) &&
              start("consensus",
                    {"orion-consensus", "--registry", registry, "--bind-client", tcp(200), "--metrics-bind", addr(280),
                     "--data-dir", data + "/consensus"},
                    true) &&
              (args.count("no-dashboard") ||
               start("dashboard", {"orion-dashboard", "--registry", registry, "--http-bind", addr(300)}, true));
    for (int i = 1; ok && i <= agents; ++i) {
      const std::string id = "dev-agent-" + std::to_string(i);
      ok = start(id, {"orion-example-agent", "--id", id, "--registry", registry, "--capacity", "4", "--cap", "dev"},
                 false);
    }
    if (!ok) {
      stop_all(children);
      return 1;
    }
    std::cout << "orion dev: a stack on " << host << ", data and logs in " << data << "\n"
              << "  registry   " << registry << "   (event bus " << tcp(2) << ")\n"
              << "  scheduler  " << tcp(100) << "\n"
              << "  consensus  " << tcp(200) << "\n";
    if (!args.count("no-dashboard")) std::cout << "  dashboard  http://" << addr(300) << "/\n";
    std::cout << "  metrics    http://" << addr(80) << "/metrics, http://" << addr(180) << "/metrics, http://"
              << addr(280) << "/metrics\n";
    if (agents > 0) {
      std::cout << "  agents     dev-agent-1" << (agents > 1 ? ".." + std::to_string(agents) : std::string())
                << " (task types echo, merge, sleep, fail, flaky; capability dev)\n";
    }
    const std::string reg_flag = base == 7100 ? "" : " --registry " + registry;
    std::cout << "Try:\n"
              << "  orionctl submit --type echo --input '{\"hello\": \"orion\"}'" << reg_flag << "\n"
              << "  orionctl wait t1" << reg_flag << " && orionctl status t1" << reg_flag << "\n"
              << "Ctrl-C stops everything.\n"
              << "orion dev: ready" << std::endl;

    // Until a stop signal, or a child that dies by itself.
    int code = 0;
    while (true) {
      timespec tick{0, 200'000'000};
      const int sig = sigtimedwait(&stop_signals, nullptr, &tick);
      if (sig == SIGINT || sig == SIGTERM) {
        std::cout << "orion dev: stopping" << std::endl;
        break;
      }
      bool died = false;
      for (auto& c : children) {
        int status = 0;
        if (c.pid > 0 && waitpid(c.pid, &status, WNOHANG) == c.pid) {
          std::cerr << "orionctl dev: " << c.name << " exited ("
                    << (WIFEXITED(status) ? "code " + std::to_string(WEXITSTATUS(status))
                                          : "signal " + std::to_string(WTERMSIG(status)))
                    << "); the end of " << c.log << ":\n"
                    << tail_of(c.log) << "\n";
          c.pid = -1;
          died = true;
        }
      }
      if (died) {
        code = 1;
        break;
      }
    }
    stop_all(children);
    std::cout << "orion dev: stopped" << std::endl;
    return code;
  });
}

}  // namespace orion::cli
