// Votes that mean something (issue 17, part 4), on real processes: each route by which a gated
// task was once made to run without its voters fails, and the task runs only once its real
// voters approve.
//   - a `proposal.decided ... APPROVED` event on the bus decides nothing: it makes the scheduler
//     ask the consensus leader, whose answer alone counts (no keys needed to show it);
//   - with keys and a policy: voter keys come from the policy, never from the proposer; a voter
//     with none cannot be named; a signature covers the cluster, the proposal and the digest of
//     its content, so a vote signed over other data (what a forged proposal.created showed) or
//     for another cluster is refused; a request id is scoped by its principal, so another
//     principal cannot claim the scheduler's; only services announce themselves to the registry;
//     and real agents' votes, checked with the policy's keys, approve a gated task that then runs.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>

#include "common/consensus_messages.h"
#include "common/curve_keys.h"
#include "common/sockets.h"
#include "common/transport_security.h"
#include "common/vote_signature.h"
#include "sdk/cpp/consensus_client.h"
#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

TaskSpec gated_on(const std::vector<std::string>& voters, std::int64_t timeout_ms = 60'000) {
  TaskSpec s;
  s.type = "echo";
  s.capabilities = {"work"};
  s.input = {{"gated", true}};
  s.consensus.type = "majority";
  s.consensus.capability = "ops";
  s.consensus.voters = voters;
  s.consensus.timeout_ms = timeout_ms;
  return s;
}

// Waits until the task's gate has a proposal; returns its id ("" on timeout).
std::string proposal_of(sdk::Client& client, const std::string& task) {
  std::string id;
  wait_until(
      [&] {
        auto v = client.status(task);
        if (v) id = v->gate.proposal_id;
        return !id.empty();
      },
      20'000);
  return id;
}

consensus::VoteKeys seeded(char c) { return consensus::VoteKeys::from_seed(std::string(32, c)); }

TEST(ForgedVoteTest, ADecidedEventOnTheBusIsOnlyAHintAndTheLeadersAnswerDecides) {
  Cluster cluster;
  cluster.start_registry();
  cluster.start_consensus();
  cluster.start_scheduler({"--log-level", "debug"});
  // v1 holds work and a vote key but not the gate's capability: it never hears the proposal,
  // so only this test's signed vote (with v1's key) can decide it.
  const auto v1 = seeded('1');
  cluster.start_agent("v1", {"work"}, 1, {"--secret-key", consensus::to_hex(v1.secret_key)});
  ASSERT_TRUE(cluster.wait_agents_up(1)) << cluster.logs();
  sdk::Client client(cluster.client_options());
  auto task = client.submit(gated_on({"v1"}));
  ASSERT_TRUE(task.ok()) << task.error().to_string();
  const std::string proposal = proposal_of(client, *task);
  ASSERT_FALSE(proposal.empty()) << cluster.logs();

  zmq::context_t ctx(1);
  auto forger = make_socket(ctx, zmq::socket_type::xpub);
  forger.connect(cluster.events_pub);
  Event decided;
  decided.topic = "proposal.decided.ops";
  decided.publisher = "consensus-single";
  decided.epoch = 99;
  decided.data = {{"proposal_id", proposal}, {"outcome", "APPROVED"}, {"type", "echo"}, {"capability", "ops"}};
  // Sent until the scheduler shows it heard it (a PUB drops what it sends before the
  // subscription crossed the proxy).
  const bool heard = wait_until(
      [&] {
        if (cluster.scheduler().log_tail(100'000).find("event=gate_hint proposal=" + proposal) != std::string::npos) {
          return true;
        }
        ++decided.seq;
        send_event(forger, Envelope{MsgType::EVENT, std::string(), decided.to_body()}, decided.topic);
        return false;
      },
      15'000);
  ASSERT_TRUE(heard) << "the scheduler never heard the forged event\n" << cluster.scheduler().log_tail();
  // The leader said PENDING: the task does not leave PENDING (before this change it ran at once).
  EXPECT_FALSE(wait_until(
      [&] {
        auto v = client.status(*task);
        return v && v->state != TaskState::PENDING;
      },
      2'000))
      << "a forged decided event released the gated task";

  // The real vote approves it; then it runs, once.
  consensus::ConsensusClientOptions o;
  o.registry = cluster.registry_endpoint;
  consensus::ConsensusClient c(o);
  auto counted = c.vote(proposal, "v1", true, v1.secret_key);
  ASSERT_TRUE(counted.ok()) << counted.error().to_string();
  EXPECT_EQ(counted->outcome, Outcome::APPROVED);
  auto done = client.wait(*task, 20'000);
  ASSERT_TRUE(done.ok()) << done.error().to_string();
  EXPECT_EQ(done->state, TaskState::COMPLETED) << done->error << " " << done->reason;
  EXPECT_EQ(done->attempt, 1);
}

class SecuredVoteTest : public ClusterTest {
 protected:
  void TearDown() override {
    set_transport_security({});
    ClusterTest::TearDown();
  }
  std::string keygen(const std::string& name) {
    const std::string path = cluster.dir().file(name + ".key");
    auto r = run_command(bin("orionctl"), {"keygen", path}, cluster.dir().path(), 10'000);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return path;
  }
  static std::string public_key(const std::string& key_file) { return read_public_key(key_file + ".pub").value(); }
  void as(const std::string& key) {
    auto sec = load_transport_security(key, services + ".pub");
    ASSERT_TRUE(sec.ok()) << sec.error().to_string();
    set_transport_security(*sec);
  }

  std::string services;
};

TEST_F(SecuredVoteTest, OnlyThePolicysVoteKeysOverTheContentShownDecideAndOnlyServicesAnnounce) {
  services = keygen("services");
  const std::string ops = keygen("ops"), voters = keygen("voters"), rogue = keygen("rogue");
  const auto k1 = seeded('1'), k2 = seeded('2'), k3 = seeded('3'), attacker = seeded('x');
  const std::string policy = cluster.dir().file("policy.yaml");
  std::ofstream(policy) << "principals:\n"
                        << "  services: {key: \"" << public_key(services) << "\", roles: [service]}\n"
                        << "  ops: {key: \"" << public_key(ops) << "\", roles: [admin]}\n"
                        << "  voters: {key: \"" << public_key(voters) << "\", roles: [agent], agents: [v1, v2, v3, w1],\n"
                        << "           capabilities: [ops, work],\n"
                        << "           vote_keys: {v1: \"" << k1.public_key_hex() << "\", v2: \"" << k2.public_key_hex()
                        << "\", v3: \"" << k3.public_key_hex() << "\"}}\n"
                        << "  rogue: {key: \"" << public_key(rogue) << "\", roles: [agent], agents: [\"x*\"], capabilities: [ops]}\n";
  const std::vector<std::string> service_flags{"--curve-key", services, "--policy", policy};
  as(ops);
  cluster.start_registry(service_flags);
  cluster.start_consensus(service_flags);
  cluster.start_scheduler(service_flags);

  consensus::ConsensusClientOptions o;
  o.registry = cluster.registry_endpoint;
  auto propose = [&](const std::vector<Voter>& named, ConsensusType type = ConsensusType::MAJORITY) {
    consensus::ConsensusClient c(o);
    Propose p;
    p.proposer = "ops";
    p.type = "deploy";
    p.capability = "nobody-listens";
    p.consensus_type = type;
    p.voters = named;
    p.data = {{"release", "1.2.3"}};
    return c.propose(p);
  };

  // The proposer names the voters with keys of its own: the proposal holds the policy's.
  auto made = propose({{"v1", 1.0, attacker.public_key_hex()}, {"v2", 1.0, attacker.public_key_hex()},
                       {"v3", 1.0, k1.public_key_hex()}});
  ASSERT_TRUE(made.ok()) << made.error().to_string();
  const std::string id = made->proposal_id;
  auto view = [&] {
    consensus::ConsensusClient c(o);
    auto v = c.status(id);
    EXPECT_TRUE(v.ok()) << v.error().to_string();
    return v.ok() ? *v : ProposalView{};
  };
  const ProposalView shown = view();
  ASSERT_EQ(shown.voters.size(), 3u);
  EXPECT_EQ(shown.voters[0].public_key, k1.public_key_hex());
  EXPECT_EQ(shown.voters[1].public_key, k2.public_key_hex());
  EXPECT_EQ(shown.voters[2].public_key, k3.public_key_hex());
  EXPECT_EQ(shown.cluster_id, "orion");
  EXPECT_EQ(shown.content_digest, consensus::vote_subject(shown, "v1").content_digest);

  // A voter the policy holds no vote key for cannot be named.
  auto keyless = propose({{"w1", 1.0, attacker.public_key_hex()}});
  ASSERT_FALSE(keyless.ok());
  EXPECT_EQ(keyless.error().code, ErrorCode::PERMISSION_DENIED);
  EXPECT_NE(keyless.error().message.find("voter 'w1' has no vote key in the policy"), std::string::npos)
      << keyless.error().message;

  // The voters' key: a vote signed over other data (what a forged proposal.created showed), or
  // for another cluster, is refused; the attacker's key as v2 is refused; the real ones count.
  as(voters);
  {
    consensus::ConsensusClient c(o);
    ProposalView other_data = shown;
    other_data.data = {{"release", "6.6.6"}};
    auto carried = c.vote(other_data, "v1", true, k1.secret_key);
    ASSERT_FALSE(carried.ok());
    EXPECT_EQ(carried.error().code, ErrorCode::PERMISSION_DENIED);
    EXPECT_NE(carried.error().message.find("bad signature"), std::string::npos) << carried.error().message;
    ProposalView other_cluster = shown;
    other_cluster.cluster_id = "staging";
    auto replayed = c.vote(other_cluster, "v1", true, k1.secret_key);
    ASSERT_FALSE(replayed.ok());
    EXPECT_EQ(replayed.error().code, ErrorCode::PERMISSION_DENIED);
    auto forged = c.vote(shown, "v2", true, attacker.secret_key);
    ASSERT_FALSE(forged.ok());
    EXPECT_EQ(forged.error().code, ErrorCode::PERMISSION_DENIED);
    EXPECT_EQ(view().tally.yes, 0) << "nothing counted";
    ASSERT_TRUE(c.vote(shown, "v1", true, k1.secret_key).ok());
    auto decided = c.vote(shown, "v2", true, k2.secret_key);
    ASSERT_TRUE(decided.ok()) << decided.error().to_string();
    EXPECT_EQ(decided->outcome, Outcome::APPROVED);
  }
  // The rogue key may not vote as v3 at all, whatever it signs.
  as(rogue);
  {
    consensus::ConsensusClient c(o);
    auto r = c.vote(shown, "v3", false, k3.secret_key);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::PERMISSION_DENIED);
  }

  // Request ids are scoped by principal: the admin's request id "r-1" and the services' "r-1"
  // are two proposals, and the second is not handed the first's outcome.
  as(ops);
  Propose raft;
  raft.proposer = "ops";
  raft.type = "grab";
  raft.consensus_type = ConsensusType::RAFT;
  auto raw_propose = [&](const std::string& request_id) -> Result<ProposeOk> {
    zmq::context_t ctx(1);
    auto dealer = make_socket(ctx, zmq::socket_type::dealer);
    connect_socket(dealer, cluster.consensus_client);
    EXPECT_TRUE(send_envelope(dealer, Envelope{MsgType::PROPOSE, request_id, raft.to_body()}));
    Incoming in;
    if (!wait_until([&] { return receive(dealer, in, false); }, 10'000) || !in.envelope) {
      return make_error(ErrorCode::DEADLINE_EXCEEDED, "no answer");
    }
    if (in.envelope->type == MsgType::ERROR) return error_from_body(in.envelope->body);
    return ProposeOk::from_body(in.envelope->body);
  };
  auto mine = raw_propose("r-1");
  ASSERT_TRUE(mine.ok()) << mine.error().to_string();
  auto again = raw_propose("r-1");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate) << "the same principal's retry is the same proposal";
  EXPECT_EQ(again->proposal_id, mine->proposal_id);
  as(services);
  auto theirs = raw_propose("r-1");
  ASSERT_TRUE(theirs.ok()) << theirs.error().to_string();
  EXPECT_FALSE(theirs->duplicate) << "another principal's request id is its own";
  EXPECT_NE(theirs->proposal_id, mine->proposal_id);

  // Only a service announces itself: a rogue "consensus leader" is refused by the registry.
  as(rogue);
  {
    zmq::context_t ctx(1);
    auto dealer = make_socket(ctx, zmq::socket_type::dealer);
    connect_socket(dealer, cluster.registry_endpoint);
    Announce fake{"consensus", {{"client", "tcp://127.0.0.1:1"}}};
    fake.id = 1, fake.role = "leader", fake.term = 1000;
    ASSERT_TRUE(send_envelope(dealer, Envelope{MsgType::ANNOUNCE, "fake-1", fake.to_body()}));
    Incoming in;
    ASSERT_TRUE(wait_until([&] { return receive(dealer, in, false); }, 10'000));
    ASSERT_TRUE(in.envelope.ok());
    ASSERT_EQ(in.envelope->type, MsgType::ERROR);
    EXPECT_EQ(error_from_body(in.envelope->body).code, ErrorCode::PERMISSION_DENIED);
  }

  // End to end: two real agents, voting with the policy's keys over what they were shown,
  // approve a gated task, which then runs.
  as(ops);
  const std::vector<std::string> agent_keys{"--curve-key", voters, "--curve-server-key", services + ".pub"};
  auto agent_flags = [&](const consensus::VoteKeys& k) {
    auto flags = agent_keys;
    flags.insert(flags.end(), {"--vote", "yes", "--secret-key", consensus::to_hex(k.secret_key)});
    return flags;
  };
  cluster.start_agent("v1", {"ops", "work"}, 1, agent_flags(k1));
  cluster.start_agent("v2", {"ops", "work"}, 1, agent_flags(k2));
  ASSERT_TRUE(cluster.wait_agents_up(2));
  sdk::Client client(cluster.client_options());
  // A voter hears proposals once its bus subscription reached the publisher: retried until a
  // gated task ran (those whose proposal expired first end CANCELLED).
  const bool ran = wait_until(
      [&] {
        auto task = client.submit(gated_on({"v1", "v2"}, 3'000));
        if (!task) return false;
        auto v = client.wait(*task, 10'000);
        return v && v->state == TaskState::COMPLETED && v->attempt == 1;
      },
      60'000);
  EXPECT_TRUE(ran) << "real votes never approved a gated task";
}

}  // namespace
}  // namespace orion::testing
