// The several-registries additions to the wire: ANNOUNCE's replica fields, EVENT's epoch and
// CLUSTER_STATUS / CLUSTER_INFO. Round trips, refused fields and frozen bytes.
#include "common/cluster_messages.h"

#include <gtest/gtest.h>

#include "common/codec.h"
#include "common/envelope.h"
#include "common/messages.h"

namespace orion {
namespace {

static_assert(static_cast<int>(MsgType::CLUSTER_STATUS) == 22 && static_cast<int>(MsgType::CLUSTER_INFO) == 23);

std::string hex(const std::string& bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out += {d[c >> 4], d[c & 15]};
  return out;
}

Json reread(const Json& j) {
  auto bytes = encode_value(j);
  return *decode_value(bytes.data(), bytes.size());
}

TEST(ClusterMessages, AnnounceKeepsTheReplicaFields) {
  Announce m{"scheduler", {{"client", "tcp://h:7200"}, {"agent", "tcp://h:7201"}}};
  m.id = 2;
  m.role = "leader";
  m.term = 3;
  m.commit_index = 9;
  m.applied_index = 8;
  auto back = Announce::from_body(reread(m.to_body()));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->id, 2);
  EXPECT_EQ(back->role, "leader");
  EXPECT_EQ(back->term, 3);
  EXPECT_EQ(back->commit_index, 9);
  EXPECT_EQ(back->applied_index, 8);
  // Frozen: {applied_index: 8, commit_index: 9, endpoints: {agent, client}, id: 2, role: "leader",
  //          service: "scheduler", term: 3}
  EXPECT_EQ(hex(encode_value(m.to_body())),
            "87ad6170706c6965645f696e64657808ac636f6d6d69745f696e64657809a9656e64706f696e747382a56167656e74ac7463703a2f2f"
            "683a37323031a6636c69656e74ac7463703a2f2f683a37323030a26964"
            "02a4726f6c65a66c6561646572a773657276696365a97363686564756c6572a47465726d03");
}

TEST(ClusterMessages, AnAnnounceWithoutRoleSendsNoneOfTheReplicaFields) {
  Announce m{"consensus", {{"client", "tcp://h:7300"}}};
  EXPECT_EQ(m.to_body(), (Json{{"service", "consensus"}, {"endpoints", {{"client", "tcp://h:7300"}}}}));
  auto back = Announce::from_body(m.to_body());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, 0);
  EXPECT_EQ(back->role, "");
}

TEST(ClusterMessages, AnnounceRefusesAnUnknownRoleAndBadNumbers) {
  Json base = {{"service", "scheduler"}, {"endpoints", {{"client", "c"}}}};
  auto with = [&](const char* key, Json v) {
    Json b = base;
    b[key] = std::move(v);
    return Announce::from_body(b);
  };
  for (auto r : {with("role", "boss"), with("role", 3), with("id", 0), with("id", -1), with("term", -1),
                 with("commit_index", "x"), with("applied_index", 1.5)}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT) << r.error().to_string();
  }
  EXPECT_TRUE(with("role", "unavailable").ok());
}

TEST(ClusterMessages, EventKeepsItsEpochAndFreezesIt) {
  Event m{"task.completed", "scheduler", 123456789, 7, 1'700'000'000'000, {{"task_id", "T1"}}};
  auto back = Event::from_body(reread(m.to_body()));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->epoch, 123456789u);
  EXPECT_EQ(back->seq, 7u);
  // {data: {task_id: "T1"}, epoch: 123456789, publisher, seq: 7, topic, ts_ms}
  EXPECT_EQ(hex(encode_value(m.to_body())),
            "86a46461746181a77461736b5f6964a25431a565706f6368ce075bcd15a97075626c6973686572a97363686564756c6572a3736571"
            "07a5746f706963ae7461736b2e636f6d706c65746564a574735f6d73cf0000018bcfe56800");
  Event old{"t", "p", 0, 1, 0, Json::object()};
  EXPECT_FALSE(old.to_body().contains("epoch")) << "epoch 0 = not sent";
  EXPECT_FALSE(Event::from_body(Json{{"topic", "t"}, {"epoch", -1}}).ok());
}

TEST(ClusterMessages, ClusterInfoRoundTrips) {
  ClusterInfo c;
  c.registry = "tcp://r1:7100";
  c.events_pub = "tcp://r1:7101";
  c.events_sub = "tcp://r1:7102";
  c.instance = "ab12";
  c.started_ms = 1'700'000'000'000;
  c.agents_up = 3;
  ReplicaView v;
  v.id = 1;
  v.role = "leader";
  v.term = 4;
  v.commit_index = 50;
  v.applied_index = 49;
  v.endpoint = "tcp://s1:7200";
  v.endpoints = {{"client", "tcp://s1:7200"}, {"agent", "tcp://s1:7201"}};
  v.last_seen_age_ms = 120;
  v.leader = true;
  c.scheduler = {v};
  v.id = 0;
  v.role = "single";
  v.endpoints = {{"client", "tcp://c:7300"}};
  v.endpoint = "tcp://c:7300";
  c.consensus = {v};
  auto frames = encode_frames(Envelope{MsgType::CLUSTER_INFO, "r", c.to_body()});
  auto e = decode_frames(frames);
  ASSERT_TRUE(e);
  auto back = ClusterInfo::from_body(e->body);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->to_body(), c.to_body());
  ASSERT_EQ(back->scheduler.size(), 1u);
  EXPECT_EQ(back->scheduler[0].applied_index, 49);
  EXPECT_TRUE(back->scheduler[0].leader);
}

TEST(ClusterMessages, ClusterInfoRefusesBadFields) {
  EXPECT_EQ(ClusterInfo::from_body(Json("x")).error().code, ErrorCode::MALFORMED);
  EXPECT_EQ(ClusterInfo::from_body(Json::object()).error().code, ErrorCode::INVALID_ARGUMENT);
  Json b = {{"registry", "r"}, {"scheduler", Json::array({{{"id", -1}}})}};
  EXPECT_EQ(ClusterInfo::from_body(b).error().code, ErrorCode::INVALID_ARGUMENT);
  b["scheduler"] = Json::array();
  for (int i = 0; i <= static_cast<int>(kMaxReplicasListed); ++i) b["scheduler"].push_back(Json::object());
  EXPECT_EQ(ClusterInfo::from_body(b).error().code, ErrorCode::INVALID_ARGUMENT);
  b["scheduler"] = "no";
  EXPECT_EQ(ClusterInfo::from_body(b).error().code, ErrorCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace orion
