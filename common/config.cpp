#include "common/config.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>

#include <spdlog/fmt/fmt.h>

namespace orion {

const char* orion_version() { return ORION_VERSION; }

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

void add_option(cxxopts::Options& options, const std::string& name, const char* env, const std::string& fallback,
                const std::string& help) {
  options.add_options()(name, help + " (env " + env + ")",
                        cxxopts::value<std::string>()->default_value(env_or(env, fallback)));
}

void add_common_options(cxxopts::Options& options, const std::string& default_data_dir) {
  add_option(options, "log-level", "ORION_LOG_LEVEL", "info", "trace|debug|info|warn|error|off");
  add_option(options, "log-format", "ORION_LOG_FORMAT", "logfmt", "logfmt (key=value) or json (one object per line)");
  add_option(options, "data-dir", "ORION_DATA_DIR", default_data_dir, "directory for durable state");
  add_option(options, "ready-file", "ORION_READY_FILE", "",
             "write the bound endpoints as JSON to this file once serving");
  add_option(options, "curve-key", "ORION_CURVE_KEY", "",
             "this service's CURVE key pair file (orionctl keygen): every TCP socket then takes CURVE");
  add_option(options, "curve-server-key", "ORION_CURVE_SERVER_KEY", "",
             "public key file of the other services (default: this key pair's own, one pair for all services)");
  add_option(options, "policy", "ORION_POLICY", "",
             "who may connect and what each may do (YAML; needed with --curve-key; reloaded on SIGHUP)");
  options.add_options()("h,help", "show this help")("version", "print the version and exit");
}

cxxopts::ParseResult parse_or_exit(cxxopts::Options& options, int argc, char** argv) {
  try {
    auto result = options.parse(argc, argv);
    if (result.count("help")) {
      std::cout << options.help() << std::endl;
      std::exit(0);
    }
    if (result.count("version")) {
      std::cout << options.program() << " " << orion_version() << std::endl;
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

Result<std::int64_t> parse_int(const std::string& flag, const std::string& text, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      fmt::format("--{}: '{}' is not an integer in [{}, {}]", flag, text.substr(0, 64), lo, hi));
  }
  return v;
}

Result<double> parse_number(const std::string& flag, const std::string& text, double lo, double hi) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) || v < lo || v > hi) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      fmt::format("--{}: '{}' is not a number in [{}, {}]", flag, text.substr(0, 64), lo, hi));
  }
  return v;
}

Result<std::int64_t> parse_duration_ms(const std::string& flag, const std::string& text, std::int64_t lo_ms,
                                       std::int64_t hi_ms) {
  auto refuse = [&] {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      fmt::format("--{}: '{}' is not a duration in [{} ms, {} ms] (a number and a unit: ms, s, m, h, d)",
                                  flag, text.substr(0, 64), lo_ms, hi_ms));
  };
  double v = 0;
  const char* begin = text.data();
  const char* stop = begin + text.size();
  auto [end, ec] = std::from_chars(begin, stop, v);
  if (ec != std::errc() || end == begin || !std::isfinite(v) || v < 0) return refuse();
  const std::string_view unit(end, static_cast<std::size_t>(stop - end));
  double scale = 0;
  if (unit.empty() || unit == "s") scale = 1'000;
  else if (unit == "ms") scale = 1;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else if (unit == "d") scale = 86'400'000;
  else return refuse();
  const double ms = std::round(v * scale);
  if (ms < static_cast<double>(lo_ms) || ms > static_cast<double>(hi_ms)) return refuse();
  return static_cast<std::int64_t>(ms);
}

namespace {

// What is wrong with one endpoint, with the fix: nullopt when it is tcp://HOST:PORT, ipc://PATH
// or inproc://NAME.
std::optional<std::string> endpoint_problem(const std::string& item) {
  const auto sep = item.find("://");
  if (sep == std::string::npos) {
    const bool host_port = item.find(':') != std::string::npos && item.find('/') == std::string::npos;
    return host_port ? "has no scheme: write tcp://" + item.substr(0, 64)
                     : std::string("is not an endpoint: write tcp://HOST:PORT");
  }
  const std::string scheme = item.substr(0, sep), rest = item.substr(sep + 3);
  if (scheme == "ipc" || scheme == "inproc") {
    if (rest.empty()) return "names no " + std::string(scheme == "ipc" ? "path" : "name");
    return std::nullopt;
  }
  if (scheme != "tcp") return "has the scheme '" + scheme.substr(0, 16) + "': write tcp://HOST:PORT (or ipc://PATH)";
  const auto colon = rest.rfind(':');
  const std::string port = colon == std::string::npos ? std::string() : rest.substr(colon + 1);
  if (colon == std::string::npos || colon == 0 || port.empty() ||
      port.find_first_not_of("0123456789*") != std::string::npos) {
    return "needs a host and a port: tcp://HOST:PORT";
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<std::string>> parse_endpoint_list(const std::string& flag, const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    item = first == std::string::npos ? std::string() : item.substr(first, last - first + 1);
    start = comma + 1;
    if (item.empty()) continue;
    if (auto e = endpoint_problem(item)) {
      return make_error(ErrorCode::INVALID_ARGUMENT, fmt::format("--{}: '{}' {}", flag, item.substr(0, 64), *e));
    }
    if (std::find(out.begin(), out.end(), item) != out.end()) continue;
    if (out.size() == kMaxRegistries) {
      return make_error(ErrorCode::INVALID_ARGUMENT, fmt::format("--{}: at most {} endpoints", flag, kMaxRegistries));
    }
    out.push_back(std::move(item));
  }
  if (out.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "--" + flag + ": names no endpoint");
  return out;
}

std::string join_endpoints(const std::vector<std::string>& endpoints) {
  std::string out;
  for (const auto& e : endpoints) out += (out.empty() ? "" : ",") + e;
  return out;
}

std::string first_endpoint(const std::string& list) { return list.substr(0, list.find(',')); }

std::string turn_endpoints(const std::string& list) {
  auto comma = list.find(',');
  return comma == std::string::npos ? list : list.substr(comma + 1) + "," + list.substr(0, comma);
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
