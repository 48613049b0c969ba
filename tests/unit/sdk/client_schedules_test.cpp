// The Client's schedule calls (client_schedules.cpp) against a fake registry and a fake
// scheduler (ROUTER sockets on loopback answered by a thread): each sends its message with the
// body protocol.md section 17 gives, reads the answer, pages SCHEDULE_LIST to the end, returns
// an ERROR reply as its Error, and refuses a bad spec before anything is sent.
#include "sdk/cpp/client.h"

#include <gtest/gtest.h>

#include "tests/unit/sdk/fake_routers.h"

namespace orion::sdk {
namespace {

using testing::FakeRouters;

ScheduleView view_of(const std::string& id, const std::string& state = "active") {
  ScheduleView v;
  v.schedule_id = id;
  v.state = state;
  v.spec.name = "n";
  v.spec.interval_ms = 60'000;
  v.spec.task = TaskSpec{};
  v.spec.task->type = "report";
  return v;
}

class ClientSchedulesTest : public ::testing::Test {
 protected:
  ClientSchedulesTest() : fakes({"registry", "scheduler"}) {
    const std::string scheduler = fakes.endpoint("scheduler");
    fakes.on("registry", [scheduler](const Envelope& e, const FakeRouters::Reply& reply) {
      if (e.type != MsgType::DISCOVER) return;
      Discovery d;
      d.scheduler_client = scheduler;
      reply(Envelope{MsgType::DISCOVERY, e.request_id, d.to_body()});
    });
    fakes.on("scheduler", [](const Envelope& e, const FakeRouters::Reply& reply) {
      switch (e.type) {
        case MsgType::SCHEDULE_CREATE: {
          auto m = ScheduleCreate::from_body(e.body);
          ScheduleView v = view_of("s1");
          v.spec = m->schedule;
          reply(Envelope{MsgType::SCHEDULE_INFO, e.request_id, ScheduleInfo{v, false}.to_body()});
          return;
        }
        case MsgType::SCHEDULE_LIST: {  // two pages: s1, then s2
          auto m = ScheduleList::from_body(e.body);
          ScheduleListOk ok;
          ok.schedules.push_back(view_of(m->after.empty() ? "s1" : "s2"));
          ok.next = m->after.empty() ? "s1" : "";
          reply(Envelope{MsgType::SCHEDULE_LIST_OK, e.request_id, ok.to_body()});
          return;
        }
        case MsgType::SCHEDULE_PAUSE:
          reply(Envelope{MsgType::SCHEDULE_INFO, e.request_id, ScheduleInfo{view_of("s1", "paused"), false}.to_body()});
          return;
        case MsgType::SCHEDULE_RESUME:
          reply(Envelope{MsgType::SCHEDULE_INFO, e.request_id, ScheduleInfo{view_of("s1"), false}.to_body()});
          return;
        case MsgType::SCHEDULE_DELETE:
          reply(Envelope{MsgType::ERROR, e.request_id,
                         Json{{"code", static_cast<int>(ErrorCode::NOT_FOUND)}, {"message", "schedule s9 does not exist"}}});
          return;
        case MsgType::SCHEDULE_TRIGGER:
          reply(Envelope{MsgType::SCHEDULE_TRIGGER_OK, e.request_id,
                         ScheduleTriggerOk{"s1", "t7", "schedule:s1:trigger:" + e.request_id}.to_body()});
          return;
        default:
          return;
      }
    });
    fakes.start();
  }
  ClientOptions options() const {
    ClientOptions o;
    o.registry = fakes.endpoint("registry");
    o.request_timeout_ms = 500;
    o.call_timeout_ms = 3000;
    return o;
  }
  FakeRouters fakes;
};

TEST_F(ClientSchedulesTest, EachCallSendsItsMessageAndReadsItsAnswer) {
  Client client(options());
  ScheduleSpec spec;
  spec.name = "nightly";
  spec.cron = "0 2 * * *";
  spec.time_zone = "Europe/Paris";
  spec.task = TaskSpec{};
  spec.task->type = "report";
  auto made = client.create_schedule(spec);
  ASSERT_TRUE(made) << made.error().to_string();
  EXPECT_EQ(made->schedule_id, "s1");
  EXPECT_EQ(made->spec.cron, "0 2 * * *");
  EXPECT_EQ(made->spec.time_zone, "Europe/Paris");

  auto all = client.list_schedules();
  ASSERT_TRUE(all) << all.error().to_string();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].schedule_id, "s2");
  EXPECT_EQ(fakes.count("scheduler", MsgType::SCHEDULE_LIST), 2u);

  EXPECT_EQ(client.pause_schedule("s1")->state, "paused");
  EXPECT_EQ(client.resume_schedule("s1")->state, "active");
  auto fired = client.trigger_schedule("s1");
  ASSERT_TRUE(fired);
  EXPECT_EQ(fired->fired_id, "t7");
  auto gone = client.delete_schedule("s9");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::NOT_FOUND);
}

TEST_F(ClientSchedulesTest, ABadSpecIsRefusedBeforeItIsSent) {
  Client client(options());
  ScheduleSpec spec;
  spec.name = "x";
  spec.interval_ms = 10;  // below the shortest interval
  spec.task = TaskSpec{};
  spec.task->type = "t";
  auto r = client.create_schedule(spec);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
  spec.interval_ms = 1000;
  spec.overlap = "sometimes";
  EXPECT_EQ(client.create_schedule(spec).error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(fakes.count("scheduler", MsgType::SCHEDULE_CREATE), 0u);
}

}  // namespace
}  // namespace orion::sdk
