// The dashboard's HTTP side on a real loopback socket: its page from the binary, the API
// answered by the loop thread, the event stream, and actions refused without their header.
#include "services/dashboard/dashboard_http.h"

#include <poll.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "services/dashboard/web_assets.h"
#include "tests/wait_until.h"

namespace orion::dashboard {
namespace {

// Answers the queued requests on a thread of its own, as the service's loop does.
class LoopThread {
 public:
  explicit LoopThread(DashboardHttp& http) : http_(http) {
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{http_.fd(), POLLIN, 0};
        if (::poll(&p, 1, 20) > 0) {
          http_.serve([](const ApiRequest& r) {
            if (r.path == "/api/echo") return api_json(Json{{"method", r.method}, {"query", r.query}});
            return api_error(ErrorCode::NOT_FOUND, "no " + r.path);
          });
        }
      }
    });
  }
  ~LoopThread() {
    stop_ = true;
    thread_.join();
  }

 private:
  DashboardHttp& http_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class DashboardHttpTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(http.start("127.0.0.1", 0, ActionGuard{}).ok()); }
  DashboardHttp http;
};

TEST(WebAssetsTest, ThePageAndItsScriptAreInTheBinaryAndFetchNothingFromElsewhere) {
  const WebAsset* index = find_web_asset("/");
  ASSERT_NE(index, nullptr);
  const std::string html(reinterpret_cast<const char*>(index->data), index->size);
  EXPECT_NE(html.find("/app.js"), std::string::npos);
  for (const char* path : {"/index.html", "/app.js", "/style.css"}) {
    const WebAsset* a = find_web_asset(path);
    ASSERT_NE(a, nullptr) << path;
    const std::string text(reinterpret_cast<const char*>(a->data), a->size);
    EXPECT_EQ(text.find("https://"), std::string::npos) << path << " must not load from the internet";
    EXPECT_EQ(text.find("//cdn"), std::string::npos) << path;
  }
  EXPECT_EQ(find_web_asset("/nothing.js"), nullptr);
}

TEST_F(DashboardHttpTest, ServesThePageAndAnswersTheApiFromTheLoop) {
  LoopThread loop(http);
  httplib::Client c("127.0.0.1", http.port());
  auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<title>Orion dashboard</title>"), std::string::npos);
  EXPECT_FALSE(page->get_header_value("Content-Security-Policy").empty());
  auto api = c.Get("/api/echo?state=RUNNING");
  ASSERT_TRUE(api);
  EXPECT_EQ(Json::parse(api->body), (Json{{"method", "GET"}, {"query", "state=RUNNING"}}));
  auto missing = c.Get("/api/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(Json::parse(missing->body)["code"], "NOT_FOUND");
  auto no_file = c.Get("/secret.txt");
  ASSERT_TRUE(no_file);
  EXPECT_EQ(no_file->status, 404);
}

TEST_F(DashboardHttpTest, AnActionWithoutItsHeaderIsRefusedBeforeTheLoopSeesIt) {
  LoopThread loop(http);
  httplib::Client c("127.0.0.1", http.port());
  auto refused = c.Post("/api/echo", "", "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(Json::parse(refused->body)["code"], "PERMISSION_DENIED");
  auto allowed = c.Post("/api/echo", httplib::Headers{{"X-Orion-Action", "1"}}, "", "application/json");
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
  EXPECT_EQ(Json::parse(allowed->body)["method"], "POST");
}

TEST_F(DashboardHttpTest, TheEventStreamDeliversWhatIsPublished) {
  std::string got;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    httplib::Client c("127.0.0.1", http.port());
    c.set_read_timeout(10, 0);
    c.Get("/api/events", [&](const char* data, std::size_t n) {
      got.append(data, n);
      return got.find("hello-dashboard") == std::string::npos;
    });
    done = true;
  });
  ASSERT_TRUE(orion::testing::wait_until([&] { return http.hub().clients() == 1; }, 5000));
  http.hub().publish(sse_message("orion", "{\"topic\":\"hello-dashboard\"}"));
  reader.join();
  EXPECT_NE(got.find("event: orion\ndata: {\"topic\":\"hello-dashboard\"}\n\n"), std::string::npos) << got;
  // The server learns the browser left when a write fails: keep writing until it does.
  EXPECT_TRUE(orion::testing::wait_until(
      [&] {
        http.hub().publish(": ping\n\n");
        return http.hub().clients() == 0;
      },
      10'000, 20))
      << "a closed stream leaves the hub";
}

TEST_F(DashboardHttpTest, StopEndsOpenStreams) {
  std::atomic<bool> ended{false};
  std::thread reader([&] {
    httplib::Client c("127.0.0.1", http.port());
    c.set_read_timeout(30, 0);
    c.Get("/api/events", [&](const char*, std::size_t) { return true; });
    ended = true;
  });
  ASSERT_TRUE(orion::testing::wait_until([&] { return http.hub().clients() == 1; }, 5000));
  http.stop();
  reader.join();
  EXPECT_TRUE(ended);
}

}  // namespace
}  // namespace orion::dashboard
