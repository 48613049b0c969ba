#include "common/log.h"

#include <spdlog/details/fmt_helper.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <chrono>
#include <ctime>

namespace orion {

namespace {

// The length of the valid UTF-8 sequence at s[i], 0 when there is none.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  }
  // No overlong forms, surrogates or code points past U+10FFFF.
  if ((c == 0xE0 && b(i + 1) < 0xA0) || (c == 0xED && b(i + 1) > 0x9F) || (c == 0xF0 && b(i + 1) < 0x90) ||
      (c == 0xF4 && b(i + 1) > 0x8F)) {
    return 0;
  }
  return len;
}

// A JSON string of any bytes: escapes as JSON needs them, U+FFFD for a byte that is not UTF-8.
void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t len = utf8_length(s, i);
      if (len == 0) {
        out += "\\ufffd";
      } else {
        out.append(s.substr(i, len));
        i += len - 1;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

// One JSON line per record, from the logfmt message.
class JsonFormatter final : public spdlog::formatter {
 public:
  explicit JsonFormatter(std::string service) : service_(std::move(service)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto t = std::chrono::system_clock::to_time_t(msg.time);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count() % 1000;
    std::tm tm{};
    ::localtime_r(&t, &tm);
    char ts[40];
    const auto n = std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(ts + n, sizeof ts - n, ".%03d", static_cast<int>(ms));
    const auto level = spdlog::level::to_string_view(msg.level);
    const std::string line = logfmt_to_json(ts, std::string_view(level.data(), level.size()), service_,
                                            std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(service_); }

 private:
  std::string service_;
};

}  // namespace

std::string logfmt_to_json(std::string_view ts, std::string_view level, std::string_view service,
                           std::string_view message) {
  std::string out = "{\"ts\":";
  json_string(out, ts);
  out += ",\"level\":";
  json_string(out, level);
  out += ",\"svc\":";
  json_string(out, service);
  std::string rest;  // words that are not key=value
  std::size_t i = 0;
  const std::size_t n = message.size();
  while (i < n) {
    while (i < n && message[i] == ' ') ++i;
    if (i >= n) break;
    std::size_t k = i;
    while (k < n && logfmt_bare(message[k])) ++k;
    if (k > i && k < n && message[k] == '=') {
      const std::string_view key = message.substr(i, k - i);
      std::string value;
      std::size_t j = k + 1;
      if (j < n && message[j] == '"') {
        for (++j; j < n && message[j] != '"'; ++j) {
          if (message[j] == '\\' && j + 1 < n) {
            const char e = message[++j];
            value += e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
          } else {
            value += message[j];
          }
        }
        if (j < n) ++j;  // the closing quote
      } else {
        while (j < n && message[j] != ' ') value += message[j++];
      }
      out += ',';
      json_string(out, key);
      out += ':';
      json_string(out, value);
      i = j;
    } else {
      std::size_t j = i;
      while (j < n && message[j] != ' ') ++j;
      if (!rest.empty()) rest += ' ';
      rest.append(message.substr(i, j - i));
      i = j;
    }
  }
  if (!rest.empty()) {
    out += ",\"msg\":";
    json_string(out, rest);
  }
  return out + '}';
}

Status init_logging(const std::string& service, const std::string& level, const std::string& format) {
  if (format != "logfmt" && format != "json") {
    return make_error(ErrorCode::INVALID_ARGUMENT, "--log-format: '" + format + "' is not logfmt or json");
  }
  auto logger = spdlog::get(service);
  if (!logger) logger = spdlog::stderr_color_mt(service);
  if (format == "json") {
    logger->set_formatter(std::make_unique<JsonFormatter>(service));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e level=%l svc=" + service + " %v");
  }
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
  return {};
}

}  // namespace orion
