// orion-consensus flags (services/consensus/consensus_config.*): one replica by default, Raft
// with 3 or 5 peers and an --id among them; bad values are refused naming the flag.
#include "services/consensus/consensus_config.h"

#include <gtest/gtest.h>

#include "common/raft_log.h"

namespace orion::consensus {
namespace {

Result<ConsensusConfig> parse(std::vector<std::string> args) {
  cxxopts::Options options("orion-consensus", "test");
  add_consensus_options(options);
  args.insert(args.begin(), "orion-consensus");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  auto parsed = options.parse(static_cast<int>(argv.size()), argv.data());
  return consensus_config_from(parsed);
}

TEST(ConsensusConfig, NoFlagsIsOneReplicaOnSqliteAtTheDefaultPort) {
  auto c = parse({});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_FALSE(c->replicated());
  EXPECT_EQ(c->bind_client, "tcp://127.0.0.1:7300");
  EXPECT_EQ(c->replica_name(), "single");
  EXPECT_NE(c->describe().find("log=sqlite"), std::string::npos);
}

TEST(ConsensusConfig, PeersAndIdMakeARaftReplica) {
  auto c = parse({"--id", "2", "--peers", "1@127.0.0.1:7309,2@127.0.0.1:7319,3@127.0.0.1:7329"});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_TRUE(c->replicated());
  EXPECT_EQ(c->id, 2u);
  EXPECT_EQ(c->peers.at(3), "127.0.0.1:7329");
  EXPECT_EQ(c->replica_name(), "2");
}

TEST(ConsensusConfig, RefusesBadClustersNamingTheFlag) {
  auto two = parse({"--id", "1", "--peers", "1@h:1,2@h:2"});
  EXPECT_NE(two.error().message.find("3 or 5"), std::string::npos);
  auto stranger = parse({"--id", "9", "--peers", "1@h:1,2@h:2,3@h:3"});
  EXPECT_NE(stranger.error().message.find("--id"), std::string::npos);
  auto no_peers = parse({"--id", "1"});
  EXPECT_NE(no_peers.error().message.find("--id"), std::string::npos);
  auto bad_ms = parse({"--election-ms", "0"});
  EXPECT_NE(bad_ms.error().message.find("--election-ms"), std::string::npos);
  auto bad_install = parse({"--install-snapshot-ms", "5"});
  EXPECT_NE(bad_install.error().message.find("--install-snapshot-ms"), std::string::npos);
  auto bad_trailing = parse({"--snapshot-trailing", "-1"});
  EXPECT_NE(bad_trailing.error().message.find("--snapshot-trailing"), std::string::npos);
}

TEST(ConsensusConfig, RetentionIsADurationOfAtLeastOneSecondSevenDaysByDefault) {
  auto d = parse({});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->retention_ms, 7LL * 86'400'000);
  EXPECT_NE(d->describe().find("retention_ms=604800000"), std::string::npos);
  EXPECT_EQ(parse({"--retention", "2s"})->retention_ms, 2'000);
  EXPECT_EQ(parse({"--retention", "1.5h"})->retention_ms, 5'400'000);
  for (const char* bad : {"500ms", "0", "soon", "-1d"}) {
    auto r = parse({"--retention", bad});
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("--retention"), std::string::npos) << r.error().message;
  }
}

TEST(ConsensusConfig, SnapshotTrailingAndInstallTimeout) {
  auto d = parse({});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->snapshot_trailing, 0) << "0: as many as the threshold";
  EXPECT_EQ(d->install_snapshot_ms, 1000);
  auto c = parse({"--snapshot-threshold", "64", "--snapshot-trailing", "8", "--install-snapshot-ms", "250"});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->snapshot_trailing, 8);
  EXPECT_EQ(c->install_snapshot_ms, 250);
}

TEST(RaftPeers, ParsesIdAtHostPortAndRefusesTheRest) {
  auto ok = RaftLog::parse_peers("1@a:1,2@b:2,3@c:3");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->size(), 3u);
  EXPECT_EQ(ok->at(2), "b:2");
  EXPECT_FALSE(RaftLog::parse_peers("0@a:1"));
  EXPECT_FALSE(RaftLog::parse_peers("x@a:1"));
  EXPECT_FALSE(RaftLog::parse_peers("1@a"));
  EXPECT_FALSE(RaftLog::parse_peers("1a:1"));
  auto twice = RaftLog::parse_peers("1@a:1,1@b:2");
  EXPECT_NE(twice.error().message.find("twice"), std::string::npos);
}

}  // namespace
}  // namespace orion::consensus
