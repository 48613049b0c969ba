// orion-bench: benchmarks of Orion on real processes over loopback.
//
//   orion-bench scheduler [--only NAME[,NAME...]] [--quick]
//   orion-bench consensus [--only NAME[,NAME...]] [--quick]
//   orion-bench soak [--tasks N] [--retention DURATION] [--quick]
//
// Figures go to stdout, one "name value unit" line each; progress goes to stderr. Exit 0 when
// every selected figure was measured. See bench/README.md.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

#include "bench/consensus_bench.h"
#include "bench/scheduler_bench.h"
#include "bench/soak_bench.h"
#include "bench/stack.h"

namespace {

extern "C" void on_signal(int sig) {
  orion::bench::kill_tracked_children();  // every child process, by PID
  _exit(128 + sig);
}

int usage(int code) {
  (code == 0 ? std::cout : std::cerr)
      << "usage: orion-bench scheduler|consensus [--only NAME[,NAME...]] [--quick]\n"
         "       orion-bench soak [--tasks N] [--retention DURATION] [--quick]\n"
         "  --only       measure only these figures\n"
         "  --quick      counts scaled down ~10x (a smoke run; the figures are not comparable);\n"
         "               soak: 60,000 tasks, retention 2s\n"
         "  --tasks      soak: echo tasks to complete (default 5,000,000; a proposal per 100)\n"
         "  --retention  soak: --retention of orion-scheduler and orion-consensus (default 60s)\n"
         "figures:";
  for (const auto& n : orion::bench::scheduler_figure_names()) (code == 0 ? std::cout : std::cerr) << " " << n;
  (code == 0 ? std::cout : std::cerr) << "\nconsensus figures:";
  for (const auto& n : orion::bench::consensus_figure_names()) (code == 0 ? std::cout : std::cerr) << " " << n;
  (code == 0 ? std::cout : std::cerr) << "\nsoak figures:";
  for (const auto& n : orion::bench::soak_figure_names()) (code == 0 ? std::cout : std::cerr) << " " << n;
  (code == 0 ? std::cout : std::cerr) << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(2);
  std::string suite = argv[1];
  if (suite == "-h" || suite == "--help") return usage(0);
  const bool consensus = suite == "consensus", soak = suite == "soak";
  if (suite != "scheduler" && !consensus && !soak) {
    std::cerr << "orion-bench: unknown suite '" << suite << "'\n";
    return usage(2);
  }
  orion::bench::SchedulerBenchOptions options;
  std::string soak_tasks, soak_retention;  // as given; checked once --quick is known
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      options.quick = true;
    } else if (soak && (a == "--tasks" || a == "--retention")) {
      if (i + 1 >= argc) return usage(2);
      (a == "--tasks" ? soak_tasks : soak_retention) = argv[++i];
    } else if (!soak && (a == "--only" || a.rfind("--only=", 0) == 0)) {
      std::string list;
      if (a == "--only") {
        if (i + 1 >= argc) return usage(2);
        list = argv[++i];
      } else {
        list = a.substr(7);
      }
      std::stringstream in(list);
      for (std::string name; std::getline(in, name, ',');) {
        if (name.empty()) continue;
        const auto& known =
            consensus ? orion::bench::consensus_figure_names() : orion::bench::scheduler_figure_names();
        if (std::find(known.begin(), known.end(), name) == known.end()) {
          std::cerr << "orion-bench: unknown figure '" << name << "'\n";
          return usage(2);
        }
        options.only.insert(name);
      }
    } else if (a == "-h" || a == "--help") {
      return usage(0);
    } else {
      std::cerr << "orion-bench: unknown argument '" << a << "'\n";
      return usage(2);
    }
  }

  auto soak_options = orion::bench::soak_options(options.quick, soak_tasks, soak_retention);
  if (!soak_options) {
    std::cerr << "orion-bench: " << soak_options.error().to_string() << "\n";
    return usage(2);
  }

  // Children log only warnings (they read ORION_LOG_LEVEL); logging must not dominate.
  setenv("ORION_LOG_LEVEL", "warn", 1);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  try {
    if (soak) return orion::bench::run_soak_bench(*soak_options);
    if (consensus) return orion::bench::run_consensus_bench({options.quick, options.only});
    return orion::bench::run_scheduler_bench(options);
  } catch (const std::exception& e) {
    std::cerr << "orion-bench: " << e.what() << "\n";
    return 1;
  }
}
