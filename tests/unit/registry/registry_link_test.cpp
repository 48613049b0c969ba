// RegistryLink (common/registry_link.h) against real registries in-process: it follows a
// registry whose bus moved without keeping the old bus's subscriptions, and a subscriber
// linked to two registries hears each event once though both buses carry it.
#include "common/registry_link.h"

#include <chrono>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "tests/wait_until.h"

#include "common/sockets.h"
#include "services/registry/registry_service.h"

namespace orion::registry {
namespace {

using namespace std::chrono_literals;

class RunningRegistry {
 public:
  explicit RunningRegistry(const std::string& bind = "tcp://127.0.0.1:*") : service_(config(bind), clock_) {
    thread_ = std::thread([this] { service_.run(); });
  }
  ~RunningRegistry() {
    service_.stop();
    thread_.join();
  }
  const RegistryEndpoints& endpoints() const { return service_.endpoints(); }

 private:
  static RegistryConfig config(const std::string& bind) {
    RegistryConfig c;
    c.bind = bind;
    c.bind_events_pub = "tcp://127.0.0.1:*";
    c.bind_events_sub = "tcp://127.0.0.1:*";
    c.poll_ms = 20;
    return c;
  }
  SystemClock clock_;
  RegistryService service_;
  std::thread thread_;
};

// Turns the link (as a service loop would) until `pred` holds or 10 s pass.
template <class Pred>
bool turn_until(RegistryLink& link, Pred pred) {
  return testing::wait_until([&] {
    link.turn();
    return pred();
  }, 10'000);
}

AnnounceInfo scheduler_info() {
  AnnounceInfo i;
  i.endpoints = {{"client", "tcp://10.0.0.1:7200"}, {"agent", "tcp://10.0.0.1:7201"}};
  return i;
}

TEST(RegistryLink, FollowsAMovedBusAndDropsTheOldBussSubscriptions) {
  zmq::context_t ctx(1);
  SystemClock clock;
  auto reg = std::make_unique<RunningRegistry>();
  const std::string router = reg->endpoints().registry;
  RegistryLink link(ctx, {{router}, "scheduler", "scheduler", 50, {}}, clock, scheduler_info);
  ASSERT_TRUE(link.start().ok());
  ASSERT_TRUE(turn_until(link, [&] { return link.registries()[0].events_pub == reg->endpoints().events_pub; }));

  auto old_sub = make_socket(ctx, zmq::socket_type::sub);
  old_sub.set(zmq::sockopt::subscribe, "task.");
  old_sub.connect(reg->endpoints().events_sub);
  ASSERT_TRUE(turn_until(link, [&] { return link.wants("task.done"); }));

  // The registry restarts on the same ROUTER with its bus on other ports.
  const std::string old_pub = reg->endpoints().events_pub;
  reg.reset();
  reg = std::make_unique<RunningRegistry>(router);
  ASSERT_NE(reg->endpoints().events_pub, old_pub);
  ASSERT_TRUE(turn_until(link, [&] { return link.registries()[0].events_pub == reg->endpoints().events_pub; }));
  EXPECT_FALSE(link.wants("task.done")) << "the old bus's subscribers are not this bus's";

  auto sub = make_socket(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "proposal.");
  sub.connect(reg->endpoints().events_sub);
  ASSERT_TRUE(turn_until(link, [&] { return link.wants("proposal.decided"); }));
  EXPECT_FALSE(link.wants("task.done"));
  ASSERT_TRUE(link.publish("proposal.decided", Json{{"proposal_id", "p1"}}));
  zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
  ASSERT_GT(zmq::poll(&item, 1, 5s), 0);
  Incoming in;
  ASSERT_TRUE(receive(sub, in, false, true));
  ASSERT_TRUE(in.envelope.ok());
  auto ev = Event::from_body(in.envelope->body);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->publisher, "scheduler");
  EXPECT_EQ(ev->epoch, link.epoch());
  EXPECT_EQ(ev->seq, 1u);
}

TEST(RegistryLink, ASubscriberOnTwoBusesHearsEachEventOnce) {
  zmq::context_t ctx(1);
  SystemClock clock;
  RunningRegistry a, b;
  const std::vector<std::string> both = {a.endpoints().registry, b.endpoints().registry};
  RegistryLink publisher(ctx, {both, "scheduler", "scheduler", 50, {}}, clock, scheduler_info);
  RegistryLink hearer(ctx, {both, "consensus", "consensus-1", 50, {"x."}}, clock, [] {
    AnnounceInfo i;
    i.endpoints = {{"client", "tcp://10.0.0.2:7300"}};
    return i;
  });
  ASSERT_TRUE(publisher.start().ok());
  ASSERT_TRUE(hearer.start().ok());
  // Both buses carry the hearer's subscription to the publisher.
  auto subscribed_on_both = [&] {
    hearer.turn();
    int buses = 0;
    for (const auto& r : publisher.registries()) buses += !r.events_pub.empty();
    return buses == 2 && publisher.wants("x.1");
  };
  ASSERT_TRUE(turn_until(publisher, subscribed_on_both));
  // Warm up until a copy arrives on the second bus: then both paths deliver.
  std::uint64_t heard = 0;
  auto hear = [&] {
    hearer.turn();
    Event ev;
    while (hearer.next_event(ev)) heard += ev.topic == "x.1";
  };
  ASSERT_TRUE(turn_until(publisher, [&] {
    publisher.publish("x.warm", Json::object());
    hear();
    return hearer.duplicates() > 0;
  }));
  // Now 20 events, each on both buses: heard once each, the 20 copies dropped.
  const auto duplicates_before = hearer.duplicates();
  for (int n = 0; n < 20; ++n) ASSERT_TRUE(publisher.publish("x.1", Json{{"n", n}}));
  ASSERT_TRUE(turn_until(hearer, [&] {
    hear();
    return heard >= 20 && hearer.duplicates() - duplicates_before >= 20;
  })) << "heard=" << heard << " duplicates=" << hearer.duplicates() - duplicates_before;
  EXPECT_EQ(heard, 20u);
}

}  // namespace
}  // namespace orion::registry
