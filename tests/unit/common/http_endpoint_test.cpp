// HttpEndpoint on a real loopback socket: a GET waits until the loop thread answers it, an
// unanswered one gets 503 after kAnswerWait, stop() answers what waits, and --metrics-bind is
// parsed with its errors named.
#include "common/http_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "common/metrics_bind.h"
#include "tests/wait_until.h"

namespace orion {
namespace {

// One HTTP/1.1 request on a fresh connection; the whole response, "" when nothing answered.
std::string http_get(int port, const std::string& target, const std::string& method = "GET") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "";
  }
  const std::string req = method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  [[maybe_unused]] auto w = ::write(fd, req.data(), req.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

HttpAnswer echo_path(const HttpRequest& r) {
  if (r.path == "/missing") return http_not_found(r);
  return HttpAnswer{200, "text/plain", "path=" + r.path + " query=" + r.query};
}

TEST(HttpEndpoint, AGetIsAnsweredByTheLoopThatServes) {
  HttpEndpoint http;
  ASSERT_TRUE(http.start("127.0.0.1", 0));
  ASSERT_GT(http.port(), 0);
  auto reply = std::async(std::launch::async, [&] { return http_get(http.port(), "/metrics?x=1"); });
  // The loop: serve when the fd says a request waits.
  ASSERT_TRUE(testing::wait_until([&] {
    http.serve(echo_path);
    return reply.wait_for(std::chrono::milliseconds(1)) == std::future_status::ready;
  }, 5'000));
  const std::string r = reply.get();
  EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos) << r;
  EXPECT_NE(r.find("path=/metrics query=x=1"), std::string::npos) << r;
  auto missing = std::async(std::launch::async, [&] { return http_get(http.port(), "/missing"); });
  ASSERT_TRUE(testing::wait_until([&] {
    http.serve(echo_path);
    return missing.wait_for(std::chrono::milliseconds(1)) == std::future_status::ready;
  }, 5'000));
  EXPECT_NE(missing.get().find("HTTP/1.1 404"), std::string::npos);
}

TEST(HttpEndpoint, ALoopThatDoesNotAnswerGives503AndStopAnswersWhatWaits) {
  HttpEndpoint http;
  ASSERT_TRUE(http.start("127.0.0.1", 0));
  const std::string late = http_get(http.port(), "/metrics");  // nobody serves: 503 after kAnswerWait
  EXPECT_NE(late.find("HTTP/1.1 503"), std::string::npos) << late;
  std::uint64_t stale = 0;
  ASSERT_EQ(::read(http.fd(), &stale, sizeof stale), static_cast<ssize_t>(sizeof stale));  // its wake-up, unread
  auto waiting = std::async(std::launch::async, [&] { return http_get(http.port(), "/metrics"); });
  ASSERT_TRUE(testing::wait_until([&] {
    // Readable once the request is queued.
    std::uint64_t n = 0;
    return ::read(http.fd(), &n, sizeof n) == sizeof n;
  }, 5'000));
  http.stop();
  EXPECT_NE(waiting.get().find("HTTP/1.1 503"), std::string::npos);
  EXPECT_EQ(http_get(http.port(), "/metrics"), "");  // nothing listens any more
}

TEST(HttpEndpoint, APortInUseIsRefusedWithTheAddress) {
  HttpEndpoint a, b;
  ASSERT_TRUE(a.start("127.0.0.1", 0));
  auto s = b.start("127.0.0.1", a.port());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("127.0.0.1:" + std::to_string(a.port())), std::string::npos) << s.error().message;
  EXPECT_FALSE(b.running());
  EXPECT_TRUE(b.start("127.0.0.1", 0));  // the same endpoint may start again elsewhere
}

cxxopts::ParseResult parse(cxxopts::Options& o, std::vector<std::string> args) {
  args.insert(args.begin(), "x");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return o.parse(static_cast<int>(argv.size()), argv.data());
}

TEST(MetricsBind, DefaultOffAndErrors) {
  cxxopts::Options o("x");
  add_metrics_option(o, 7280);
  auto d = parse_metrics_bind(parse(o, {}));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->enabled);
  EXPECT_EQ(d->host, "127.0.0.1");
  EXPECT_EQ(d->port, 7280);
  EXPECT_TRUE(d->any_port_if_taken);
  auto given = parse_metrics_bind(parse(o, {"--metrics-bind", "0.0.0.0:9000"}));
  ASSERT_TRUE(given);
  EXPECT_EQ(given->host, "0.0.0.0");
  EXPECT_EQ(given->port, 9000);
  EXPECT_FALSE(given->any_port_if_taken);
  auto off = parse_metrics_bind(parse(o, {"--metrics-bind", "off"}));
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->enabled);
  for (const char* bad : {"9000", "http://127.0.0.1:9000", "127.0.0.1:", "127.0.0.1:70000", ":9000"}) {
    auto r = parse_metrics_bind(parse(o, {"--metrics-bind", bad}));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(r.error().message.find("--metrics-bind"), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace orion
