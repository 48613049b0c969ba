#include "common/config.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace orion {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

Result<std::int64_t> parse_int(const std::string& flag, const std::string& text, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "--" + flag + ": '" + text + "' is not an integer in [" +
                                                       std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return v;
}

void add_option(cxxopts::Options& options, const std::string& name, const char* env, const std::string& fallback,
                const std::string& help) {
  options.add_options()(name, help + " (env " + env + ")",
                        cxxopts::value<std::string>()->default_value(env_or(env, fallback)));
}

void add_common_options(cxxopts::Options& options, const std::string& default_data_dir) {
  add_option(options, "log-level", "ORION_LOG_LEVEL", "info", "trace|debug|info|warn|error|off");
  add_option(options, "data-dir", "ORION_DATA_DIR", default_data_dir, "directory for durable state");
  add_option(options, "ready-file", "ORION_READY_FILE", "",
             "write the bound endpoints as JSON to this file once serving");
  options.add_options()("h,help", "show this help");
}

cxxopts::ParseResult parse_or_exit(cxxopts::Options& options, int argc, char** argv) {
  try {
    auto result = options.parse(argc, argv);
    if (result.count("help")) {
      std::cout << options.help() << std::endl;
      std::exit(0);
    }
    if (!result.unmatched().empty()) {
      std::cerr << options.program() << ": unexpected argument '" << result.unmatched().front() << "'\n";
      std::exit(2);
    }
    return result;
  } catch (const std::exception& e) {
    std::cerr << options.program() << ": " << e.what() << "\n";
    std::exit(2);
  }
}

bool write_ready_file(const std::string& path, const std::string& json_text) {
  if (path.empty()) return true;
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << json_text << "\n";
    out.flush();
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace orion
