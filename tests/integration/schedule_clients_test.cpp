// Schedules through each client against a real registry and scheduler (protocol.md section 17):
// the C++ client's refusals and the whole life of a schedule, orionctl schedule's commands and
// their JSON, and the Python client (sdk/python, from the source tree).
#include <gtest/gtest.h>

#include <fstream>

#include "common/clock.h"
#include "common/schedule_messages.h"
#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

const char* const kPython = "/usr/bin/python3";  // Debian's, with python3-zmq and python3-msgpack

class ScheduleClientsTest : public ClusterTest {
 protected:
  void SetUp() override {
    cluster.start_registry();
    cluster.start_scheduler();
  }
};

TEST_F(ScheduleClientsTest, TheCppClientGetsBadSchedulesRefusedWithCodesAndManagesGoodOnes) {
  sdk::Client client(cluster.client_options());
  ScheduleSpec spec;
  spec.name = "nightly";
  spec.cron = "0 2 * * *";
  spec.time_zone = "Europe/Paris";
  spec.task = TaskSpec{};
  spec.task->type = "report";

  auto bad = spec;
  bad.cron = "0 25 * * *";
  auto r = client.create_schedule(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(r.error().message.find("cron: "), std::string::npos) << r.error().message;
  bad = spec;
  bad.time_zone = "Europe/Atlantis";
  r = client.create_schedule(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(r.error().message.find("Europe/Atlantis"), std::string::npos) << r.error().message;
  EXPECT_EQ(client.pause_schedule("nope").error().code, ErrorCode::NOT_FOUND);

  auto made = client.create_schedule(spec);
  ASSERT_TRUE(made.ok()) << made.error().to_string();
  EXPECT_EQ(made->state, "active");
  EXPECT_GT(made->next_fire_ms, SystemClock().wall_ms());
  auto paused = client.pause_schedule(made->schedule_id);
  ASSERT_TRUE(paused.ok());
  EXPECT_EQ(paused->state, "paused");
  auto fired = client.trigger_schedule(made->schedule_id);
  ASSERT_TRUE(fired.ok()) << fired.error().to_string();
  auto task = client.status(fired->fired_id);
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->spec.idempotency_key, fired->idempotency_key);
  auto resumed = client.resume_schedule(made->schedule_id);
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(resumed->state, "active");
  ASSERT_TRUE(client.delete_schedule(made->schedule_id).ok());
  auto all = client.list_schedules();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_F(ScheduleClientsTest, OrionctlCreatesListsPausesTriggersAndDeletesSchedules) {
  auto made = ctl({"schedule", "create", "backup", "--every", "5m", "--type", "backup", "--overlap", "queue_one",
                   "--catchup", "last", "--id", "backup-5m", "--json"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  Json j = Json::parse(made.out);
  EXPECT_EQ(j["schedule_id"], "backup-5m");
  EXPECT_EQ(j["spec"]["interval_ms"], 300'000);
  EXPECT_EQ(j["spec"]["overlap"], "queue_one");
  EXPECT_EQ(j["state"], "active");

  auto bad = ctl({"schedule", "create", "x", "--cron", "0 0 32 * *", "--type", "t"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("INVALID_ARGUMENT"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("cron: "), std::string::npos) << bad.err;
  EXPECT_EQ(ctl({"schedule", "create", "x", "--every", "5m"}).exit_code, 2);  // nothing to fire
  EXPECT_EQ(ctl({"schedule", "create", "x", "--every", "5m", "--cron", "* * * * *", "--type", "t"}).exit_code, 2);
  auto missing = ctl({"schedule", "pause", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("NOT_FOUND"), std::string::npos) << missing.err;

  auto paused = ctl({"schedule", "pause", "backup-5m", "--json"});
  ASSERT_EQ(paused.exit_code, 0) << paused.err;
  EXPECT_EQ(Json::parse(paused.out)["state"], "paused");
  auto fired = ctl({"schedule", "trigger", "backup-5m", "--json"});
  ASSERT_EQ(fired.exit_code, 0) << fired.err;
  EXPECT_EQ(Json::parse(fired.out)["fired_id"], "t1");
  auto listed = ctl({"schedule", "list", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  Json all = Json::parse(listed.out);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["last_fired_id"], "t1");
  EXPECT_EQ(all[0]["fired"], 1);
  auto text = ctl({"schedule", "list"});
  EXPECT_NE(text.out.find("backup-5m backup paused every 300000ms"), std::string::npos) << text.out;
  ASSERT_EQ(ctl({"schedule", "resume", "backup-5m"}).exit_code, 0);
  ASSERT_EQ(ctl({"schedule", "delete", "backup-5m"}).exit_code, 0);
  EXPECT_EQ(Json::parse(ctl({"schedule", "list", "--json"}).out).size(), 0u);
}

TEST_F(ScheduleClientsTest, ThePythonClientManagesSchedules) {
  const std::string script = cluster.dir().file("schedules.py");
  std::ofstream(script) << R"PY(
import json, sys
sys.path.insert(0, sys.argv[1])
from orion_sdk import Client, OrionError

out = {}
with Client(sys.argv[2], request_timeout_ms=2000, call_timeout_ms=10_000) as client:
    try:
        client.create_schedule("bad", task={"type": "t"}, cron="99 * * * *")
    except OrionError as e:
        out["bad_cron"] = [e.code.name, e.message]
    try:
        client.create_schedule("bad", task={"type": "t"}, cron="* * * * *", time_zone="Nowhere/Land")
    except OrionError as e:
        out["bad_zone"] = e.code.name
    made = client.create_schedule("hourly", task={"type": "report", "input": {"n": 1}}, cron="0 * * * *",
                                  time_zone="America/New_York", overlap="allow")
    out["made"] = {k: made[k] for k in ("schedule_id", "state", "next_fire_ms")}
    out["paused"] = client.pause_schedule(made["schedule_id"])["state"]
    fired = client.trigger_schedule(made["schedule_id"])
    out["fired"] = fired
    out["resumed"] = client.resume_schedule(made["schedule_id"])["state"]
    out["listed"] = [s["schedule_id"] for s in client.list_schedules()]
    client.delete_schedule(made["schedule_id"])
    out["after_delete"] = len(client.list_schedules())
    try:
        client.trigger_schedule(made["schedule_id"])
    except OrionError as e:
        out["gone"] = e.code.name
print(json.dumps(out))
)PY";
  auto run = run_command(kPython, {script, std::string(ORION_SOURCE_DIR) + "/sdk/python", cluster.registry_endpoint},
                         cluster.dir().path(), 60'000);
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  Json seen = Json::parse(run.out);
  EXPECT_EQ(seen["bad_cron"][0], "INVALID_ARGUMENT");
  EXPECT_NE(seen["bad_cron"][1].get<std::string>().find("cron: "), std::string::npos) << seen.dump();
  EXPECT_EQ(seen["bad_zone"], "INVALID_ARGUMENT");
  EXPECT_EQ(seen["made"]["schedule_id"], "s1");
  EXPECT_EQ(seen["made"]["state"], "active");
  EXPECT_GT(seen["made"]["next_fire_ms"].get<std::int64_t>(), SystemClock().wall_ms());
  EXPECT_EQ(seen["paused"], "paused");
  EXPECT_EQ(seen["fired"]["fired_id"], "t1");
  EXPECT_EQ(seen["resumed"], "active");
  EXPECT_EQ(seen["listed"], Json::array({"s1"}));
  EXPECT_EQ(seen["after_delete"], 0);
  EXPECT_EQ(seen["gone"], "NOT_FOUND");
}

}  // namespace
}  // namespace orion::testing
