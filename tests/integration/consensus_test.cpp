// orion-consensus as real processes on loopback: one replica over SQLite (votes, decisions,
// events, leases, kill -9 and restart), and three Raft replicas whose leader is killed with
// kill -9 in the middle of 2,000 votes on 200 proposals.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include <signal.h>

#include "common/ids.h"
#include "common/sockets.h"
#include "common/vote_signature.h"
#include "sdk/cpp/consensus_client.h"
#include "tests/integration/cluster.h"
#include "tests/integration/scheduler_replicas.h"

namespace orion::testing {
namespace {

using consensus::ConsensusClient;
using consensus::ConsensusClientOptions;
using consensus::VoteKeys;

const VoteKeys& keys_of(const std::string& agent) {
  static std::map<std::string, VoteKeys> keys;
  auto it = keys.find(agent);
  if (it != keys.end()) return it->second;
  std::string seed(32, 'k');
  for (std::size_t i = 0; i < agent.size() && i < 32; ++i) seed[i] = agent[i];
  return keys.emplace(agent, VoteKeys::from_seed(seed)).first->second;
}

Voter voter(const std::string& agent, double weight = 1.0) { return Voter{agent, weight, keys_of(agent).public_key_hex()}; }

// The registry plus consensus replicas, each a real process on ports the OS chose.
class ConsensusStack {
 public:
  ConsensusStack() { cluster.start_registry(); }
  ~ConsensusStack() { replicas.clear(); }

  // Starts (or restarts, keeping its data) replica `name`; returns its client endpoint.
  std::string start(const std::string& name, const std::vector<std::string>& extra, const std::string& registry) {
    std::string ready = cluster.dir().file(name + ".ready");
    std::remove(ready.c_str());
    std::vector<std::string> args{"--bind-client", "tcp://127.0.0.1:0", "--registry", registry, "--data-dir",
                                  cluster.dir().file("data-" + name), "--ready-file", ready};
    args.insert(args.end(), extra.begin(), extra.end());
    int n = ++starts[name];
    replicas[name] = std::make_unique<Process>(bin("orion-consensus"), args,
                                               cluster.dir().file(name + "-" + std::to_string(n) + ".log"));
    auto j = wait_for_json_file(ready, 10'000);
    if (!j) throw std::runtime_error(name + " did not become ready:\n" + replicas[name]->log_tail());
    endpoints[name] = j->at("client").get<std::string>();
    return endpoints[name];
  }

  // Three Raft replicas "1", "2", "3" on free loopback ports, each with `extra` after its --id
  // and --peers; `args` gives a replica's arguments again for a restart.
  void start_three(const std::vector<std::string>& extra = {}) {
    for (int id = 1; id <= 3; ++id) {
      peers += (peers.empty() ? "" : ",") + std::to_string(id) + "@127.0.0.1:" + std::to_string(free_port());
    }
    three_extra = extra;
    for (int id = 1; id <= 3; ++id) start(std::to_string(id), args(std::to_string(id)), cluster.registry_endpoint);
  }
  std::vector<std::string> args(const std::string& id) const {
    std::vector<std::string> a{"--id", id, "--peers", peers};
    a.insert(a.end(), three_extra.begin(), three_extra.end());
    return a;
  }

  std::string logs() const {
    std::string out = cluster.logs();
    for (const auto& [name, p] : replicas) out += "---- consensus " + name + " ----\n" + p->log_tail(4000) + "\n";
    return out;
  }

  Cluster cluster;
  std::map<std::string, std::unique_ptr<Process>> replicas;
  std::map<std::string, std::string> endpoints;
  std::map<std::string, int> starts;
  std::string peers;  // start_three's --peers
  std::vector<std::string> three_extra;
};

class ConsensusTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure()) std::cerr << stack.logs();
  }
  ConsensusStack stack;
};

// ---- One replica ------------------------------------------------------------------------------

TEST_F(ConsensusTest, SingleReplicaDecidesPublishesServesLeasesAndSurvivesKill9) {
  const std::string reg = stack.cluster.registry_endpoint;
  stack.start("single", {}, reg);

  zmq::context_t ctx;
  auto sub = make_socket(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "proposal.");
  sub.connect(stack.cluster.events_sub);

  ConsensusClientOptions o;
  o.registry = reg;  // the client learns the consensus endpoint from the registry
  ConsensusClient client(o);
  Propose p;
  p.proposer = "it";
  p.type = "deploy";
  p.capability = "gpu";
  p.consensus_type = ConsensusType::MAJORITY;
  p.voters = {voter("a1"), voter("a2"), voter("a3")};
  // The bus subscription may take a moment to reach the publisher: propose until an event shows.
  std::string first_id;
  bool saw_created = wait_until(
      [&] {
        auto ok = client.propose(p);
        if (!ok) return false;
        if (first_id.empty()) first_id = ok->proposal_id;
        Incoming in;
        zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds(100));
        return receive(sub, in, false, true) && in.topic == "proposal.created.gpu";
      },
      10'000);
  ASSERT_TRUE(saw_created);
  ASSERT_EQ(first_id, "p1");

  auto v1 = client.vote("p1", "a1", true, keys_of("a1").secret_key);
  ASSERT_TRUE(v1) << v1.error().to_string();
  EXPECT_EQ(v1->outcome, Outcome::PENDING);
  auto again = client.vote("p1", "a1", true, keys_of("a1").secret_key);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate);
  auto changed = client.vote("p1", "a1", false, keys_of("a1").secret_key);
  EXPECT_EQ(changed.error().code, ErrorCode::FAILED_PRECONDITION);
  auto forged = client.vote("p1", "a2", true, keys_of("a3").secret_key);
  EXPECT_EQ(forged.error().code, ErrorCode::PERMISSION_DENIED);
  auto outsider = client.vote("p1", "zz", true, keys_of("zz").secret_key);
  EXPECT_EQ(outsider.error().code, ErrorCode::PERMISSION_DENIED);

  std::thread voter_thread([&] {
    ConsensusClient c(o);
    c.vote("p1", "a2", true, keys_of("a2").secret_key);
  });
  auto decided = client.wait("p1", 10'000);
  voter_thread.join();
  ASSERT_TRUE(decided) << decided.error().to_string();
  EXPECT_EQ(decided->outcome, Outcome::APPROVED);
  EXPECT_EQ(decided->votes.size(), 2u);
  EXPECT_GT(decided->decided_ms, 0);
  bool saw_decided = wait_until(
      [&] {
        Incoming in;
        zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds(50));
        while (receive(sub, in, false, true)) {
          if (in.topic == "proposal.decided.gpu" && in.envelope && in.envelope->body["data"]["proposal_id"] == "p1") {
            return true;
          }
        }
        return false;
      },
      5'000);
  EXPECT_TRUE(saw_decided);

  auto a = client.acquire("leader", "s1", 60'000);
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_TRUE(a->granted);
  EXPECT_FALSE(client.acquire("leader", "s2", 60'000)->granted);
  EXPECT_TRUE(client.renew("leader", "s1", 60'000)->granted);
  EXPECT_EQ(client.renew("leader", "s2", 60'000).error().code, ErrorCode::FAILED_PRECONDITION);

  // kill -9: everything acknowledged is still there, and ids go on.
  stack.replicas["single"]->kill9();
  stack.start("single", {}, reg);
  auto after = client.status("p1");
  ASSERT_TRUE(after) << after.error().to_string();
  EXPECT_EQ(after->outcome, Outcome::APPROVED);
  EXPECT_EQ(after->votes.size(), 2u);
  auto held = client.lease("leader");
  ASSERT_TRUE(held);
  EXPECT_EQ(held->lease.holder, "s1");
  EXPECT_TRUE(client.release("leader", "s1")->granted);
  auto next = client.propose(p);
  ASSERT_TRUE(next);
  EXPECT_NE(next->proposal_id, "p1");
}

TEST_F(ConsensusTest, ProposalExpiresAtItsTimeout) {
  stack.start("single", {}, stack.cluster.registry_endpoint);
  ConsensusClientOptions o;
  o.registry = stack.cluster.registry_endpoint;
  ConsensusClient client(o);
  Propose p;
  p.type = "deploy";
  p.consensus_type = ConsensusType::UNANIMOUS;
  p.voters = {voter("a1"), voter("a2")};
  p.timeout_ms = 300;
  auto id = client.propose(p);
  ASSERT_TRUE(id) << id.error().to_string();
  auto start = now_ms();
  auto done = client.wait(id->proposal_id, 5'000);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->outcome, Outcome::EXPIRED);
  EXPECT_EQ(done->decided_ms, done->deadline_ms);
  EXPECT_LT(now_ms() - start, 2'000);
}

// ---- Three Raft replicas ----------------------------------------------------------------------

// 200 proposals of every voting type, 10 voters each, and 2,000 votes in a fixed order.
struct Workload {
  std::vector<Propose> proposals;
  struct Ballot {
    int proposal;  // index into proposals; its id is "p<index+1>"
    std::string agent;
    bool yes;
  };
  std::vector<Ballot> ballots;
};

Workload make_workload() {
  Workload w;
  std::mt19937 rng(20240601);
  const ConsensusType types[] = {ConsensusType::MAJORITY, ConsensusType::UNANIMOUS, ConsensusType::WEIGHTED,
                                 ConsensusType::PBFT};
  std::vector<int> yes_percent;
  for (int i = 0; i < 200; ++i) {
    Propose p;
    p.proposer = "it";
    p.type = "change-" + std::to_string(i);
    p.capability = "ops";
    p.consensus_type = types[i % 4];
    for (int a = 0; a < 10; ++a) p.voters.push_back(voter("agent" + std::to_string(a), 1.0 + a % 3));
    p.timeout_ms = 600'000;
    w.proposals.push_back(p);
    yes_percent.push_back(static_cast<int>(rng() % 101));
  }
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 200; ++i) {
      bool yes = static_cast<int>(rng() % 100) < yes_percent[i];
      w.ballots.push_back({i, "agent" + std::to_string((round + i) % 10), yes});
    }
  }
  return w;
}

// What one vote got back: VOTE_OK (and the outcome it reported) or an error code.
struct Ack {
  bool ok = false;
  ErrorCode code = ErrorCode::UNKNOWN;
  Outcome outcome = Outcome::UNKNOWN;
};

std::vector<Ack> cast_votes(ConsensusClient& client, const Workload& w, std::atomic<int>* done, std::string* failure) {
  std::vector<Ack> acks;
  for (const auto& b : w.ballots) {
    auto id = "p" + std::to_string(b.proposal + 1);
    auto r = client.vote(id, b.agent, b.yes, keys_of(b.agent).secret_key);
    Ack a;
    if (r) {
      a.ok = true;
      a.outcome = r->outcome;
    } else {
      a.code = r.error().code;
      if (a.code != ErrorCode::FAILED_PRECONDITION) {  // "already decided" is an answer; anything else is not
        *failure = id + " " + b.agent + ": " + r.error().to_string();
        return acks;
      }
    }
    acks.push_back(a);
    if (done) ++*done;
  }
  return acks;
}

TEST_F(ConsensusTest, ThreeReplicasKeepEveryAcknowledgedVoteWhenTheLeaderIsKilledMidStream) {
  const std::string reg = stack.cluster.registry_endpoint;
  // A small log, so that the restarted replica catches up through snapshots and snapshots of
  // its own: a snapshot every 64 entries, and the leader keeps only 8 after each one.
  stack.start_three({"--snapshot-threshold", "64", "--snapshot-trailing", "8"});

  ConsensusClientOptions o;
  o.registry = reg;
  for (const auto& [id, ep] : stack.endpoints) o.replicas.push_back(ep);
  o.request_timeout_ms = 300;  // a dead leader is given up on quickly
  o.call_timeout_ms = 20'000;
  ConsensusClient client(o);
  auto find_leader = [&](std::string* name) {
    for (const auto& [id, ep] : stack.endpoints) {
      if (!stack.replicas[id]->running()) continue;
      auto r = client.replica(ep, 300);
      if (r && r->role == "leader") {
        *name = id;
        return true;
      }
    }
    return false;
  };

  Workload w = make_workload();
  for (std::size_t i = 0; i < w.proposals.size(); ++i) {
    auto ok = client.propose(w.proposals[i]);
    ASSERT_TRUE(ok) << ok.error().to_string();
    ASSERT_EQ(ok->proposal_id, "p" + std::to_string(i + 1));
  }
  std::string leader;
  ASSERT_TRUE(wait_until([&] { return find_leader(&leader); }, 5'000));
  // A follower redirects to the leader; the registry names the leader.
  std::string follower = leader == "1" ? "2" : "1";
  ConsensusClientOptions direct;
  direct.registry = "";
  direct.replicas = {stack.endpoints[follower]};
  ConsensusClient redirected(direct);
  ASSERT_TRUE(redirected.status("p1"));
  EXPECT_EQ(redirected.leader(), stack.endpoints[leader]);
  sdk::Client registry_client(stack.cluster.client_options());
  EXPECT_TRUE(wait_until([&] { return registry_client.discover()->consensus == stack.endpoints[leader]; }, 5'000));

  std::atomic<int> acked{0};
  std::string failure;
  std::vector<Ack> acks;
  std::thread voting([&] {
    ConsensusClient c(o);
    acks = cast_votes(c, w, &acked, &failure);
  });
  ASSERT_TRUE(wait_until([&] { return acked >= 600 || !failure.empty(); }, 30'000));
  stack.replicas[leader]->kill9();
  const auto killed_at = now_ms();

  // A new leader serves (a linearizable read goes through) within 2 s of the old one's death.
  ConsensusClientOptions survivors;
  survivors.registry = "";
  for (const auto& [id, ep] : stack.endpoints) {
    if (id != leader) survivors.replicas.push_back(ep);
  }
  survivors.request_timeout_ms = 100;
  survivors.call_timeout_ms = 5'000;
  ConsensusClient probe(survivors);
  auto served = probe.status("p1");
  const auto failover_ms = now_ms() - killed_at;
  ASSERT_TRUE(served) << served.error().to_string();
  EXPECT_LT(failover_ms, 2'000) << "new leader serving after " << failover_ms << " ms";
  std::cout << "[ figures  ] new leader serving " << failover_ms << " ms after kill -9 of the old\n";

  // The killed replica comes back with its data and catches up by itself.
  stack.start(leader, stack.args(leader), reg);
  voting.join();
  const auto last_vote_at = now_ms();
  ASSERT_TRUE(failure.empty()) << failure;
  ASSERT_EQ(acks.size(), w.ballots.size());

  std::map<std::string, ReplicaInfo> infos;
  bool converged = wait_until(
      [&] {
        infos.clear();
        for (const auto& [id, ep] : stack.endpoints) {
          auto r = client.replica(ep, 500, true);
          if (!r) return false;
          infos[id] = *r;
        }
        const auto& a = infos.begin()->second;
        for (const auto& [id, r] : infos) {
          if (r.applied != a.applied || r.digest != a.digest || r.proposals != 200) return false;
        }
        return true;
      },
      20'000);
  if (!converged) {
    for (const auto& [id, ep] : stack.endpoints) {
      auto r = client.replica(ep, 500, true);
      std::cerr << "replica " << id << (stack.replicas[id]->running() ? " (running): " : " (exited): ")
                << (r ? r->role + " applied=" + std::to_string(r->applied) + " proposals=" +
                            std::to_string(r->proposals) + " digest=" + r->digest + " leader=" + r->leader_id
                      : r.error().to_string())
                << "\n";
    }
  }
  // It used to stall here about 1 run in 7 under load: its own snapshot collided with one the
  // leader sent, which libraft 0.15 drops; the leader then waited its install-snapshot timeout
  // (30 s by default, 1 s ours). docs/internals/consensus.md "libraft", SnapshotCollisionTest.
  EXPECT_TRUE(converged) << "the restarted replica did not catch up (see the replica lines above)";
  if (converged) {
    std::ifstream restarted_log(stack.replicas[leader]->log_path());
    std::string text((std::istreambuf_iterator<char>(restarted_log)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("event=snapshot_restored"), std::string::npos);
    std::cout << "[ figures  ] all 3 replicas identical " << now_ms() - last_vote_at << " ms after the last vote ("
              << infos.begin()->second.applied << " commands)\n";
  }

  // Every acknowledged vote is counted; every decision reported stays.
  std::vector<ProposalView> views;
  for (int i = 0; i < 200; ++i) {
    auto v = client.status("p" + std::to_string(i + 1));
    ASSERT_TRUE(v) << v.error().to_string();
    views.push_back(*v);
  }
  for (std::size_t k = 0; k < acks.size(); ++k) {
    const auto& b = w.ballots[k];
    const auto& v = views[b.proposal];
    if (!acks[k].ok) continue;
    bool counted = false;
    for (const auto& r : v.votes) counted |= r.agent_id == b.agent && r.yes == b.yes;
    EXPECT_TRUE(counted) << v.proposal_id << " lost the acknowledged vote of " << b.agent;
    if (acks[k].outcome != Outcome::PENDING) {
      EXPECT_EQ(v.outcome, acks[k].outcome) << v.proposal_id;
    }
  }

  // The same votes on one replica give the same outcomes, vote for vote.
  std::string single = stack.start("single", {}, "tcp://127.0.0.1:1");
  ConsensusClientOptions so;
  so.registry = "";
  so.replicas = {single};
  ConsensusClient one(so);
  for (const auto& p : w.proposals) ASSERT_TRUE(one.propose(p));
  std::string single_failure;
  auto single_acks = cast_votes(one, w, nullptr, &single_failure);
  ASSERT_TRUE(single_failure.empty()) << single_failure;
  int pending = 0;
  for (int i = 0; i < 200; ++i) {
    auto v = one.status("p" + std::to_string(i + 1));
    ASSERT_TRUE(v);
    EXPECT_EQ(v->outcome, views[i].outcome) << v->proposal_id;
    EXPECT_EQ(v->votes.size(), views[i].votes.size()) << v->proposal_id;
    pending += v->outcome == Outcome::PENDING;
  }
  for (std::size_t k = 0; k < acks.size(); ++k) {
    EXPECT_EQ(acks[k].ok, single_acks[k].ok) << "vote " << k;
    EXPECT_EQ(acks[k].outcome, single_acks[k].outcome) << "vote " << k;
  }
  EXPECT_LT(pending, 200) << "the workload decides proposals";
}

TEST_F(ConsensusTest, LeasesAreGrantedThroughRaftAndSurviveALeaderChange) {
  stack.start_three();
  ConsensusClientOptions o;
  o.registry = stack.cluster.registry_endpoint;
  for (const auto& [id, ep] : stack.endpoints) o.replicas.push_back(ep);
  o.request_timeout_ms = 300;
  ConsensusClient client(o);
  auto a = client.acquire("db-primary", "n1", 30'000);
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_TRUE(a->granted);
  EXPECT_EQ(a->lease.token, 1);
  Propose p;
  p.type = "leader-election";
  p.consensus_type = ConsensusType::RAFT;
  auto raft_ok = client.propose(p);
  ASSERT_TRUE(raft_ok);
  EXPECT_EQ(raft_ok->outcome, Outcome::APPROVED);

  std::string leader;
  for (const auto& [id, ep] : stack.endpoints) {
    auto r = client.replica(ep);
    if (r && r->role == "leader") leader = id;
  }
  ASSERT_FALSE(leader.empty());
  stack.replicas[leader]->kill9();
  auto b = client.acquire("db-primary", "n2", 30'000);
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_FALSE(b->granted) << "n1 still holds it on the new leader";
  EXPECT_EQ(b->lease.holder, "n1");
  EXPECT_TRUE(client.renew("db-primary", "n1", 30'000)->granted);
  EXPECT_TRUE(client.release("db-primary", "n1")->granted);
  auto c = client.acquire("db-primary", "n2", 30'000);
  EXPECT_TRUE(c->granted);
  EXPECT_EQ(c->lease.token, 2);
}

// The SDK Client follows the consensus leader by itself (common/leader_follower.h): told only of
// a follower, its make_distributed_decision reaches the leader through NOT_LEADER; after kill -9
// of that leader the same client's next proposal reaches the new one (no reply from the dead
// one, then the follower names the winner, or "" during the election and it asks again).
TEST_F(ConsensusTest, SdkClientProposalSentToAFollowerSucceedsByFollowingTheLeaderAlsoAfterItsDeath) {
  stack.start_three();
  // Voters with public keys in the registry: two example agents with the capability.
  stack.cluster.start_agent("v1", {"deploy"});
  stack.cluster.start_agent("v2", {"deploy"});
  ASSERT_TRUE(stack.cluster.wait_agents_up(2));

  ConsensusClientOptions probe_options;
  probe_options.registry = "";
  ConsensusClient probe(probe_options);
  auto find_leader = [&](std::string* name) {
    for (const auto& [id, ep] : stack.endpoints) {
      if (!stack.replicas[id]->running()) continue;
      auto r = probe.replica(ep, 300);
      if (r && r->role == "leader") {
        *name = id;
        return true;
      }
    }
    return false;
  };
  std::string leader;
  ASSERT_TRUE(wait_until([&] { return find_leader(&leader); }, 10'000));
  std::string follower = leader == "1" ? "2" : "1";

  auto options = stack.cluster.client_options();
  options.consensus_replicas = {stack.endpoints[follower]};  // only a follower: it must redirect
  options.request_timeout_ms = 500;
  options.call_timeout_ms = 10'000;
  sdk::Client client(options);
  auto d = client.make_distributed_decision("deploy", {{"v", 1}}, ConsensusType::MAJORITY, 30'000, "deploy");
  ASSERT_TRUE(d) << d.error().to_string();
  EXPECT_EQ(d->voters.size(), 2u);
  // It is the leader's: read there directly, with no redirect.
  ConsensusClientOptions at_leader;
  at_leader.registry = "";
  at_leader.replicas = {stack.endpoints[leader]};
  ConsensusClient direct(at_leader);
  auto seen = direct.status(d->proposal_id);
  ASSERT_TRUE(seen) << seen.error().to_string();
  EXPECT_EQ(direct.leader(), stack.endpoints[leader]);
  auto decided = client.wait_decision(d->proposal_id, 20'000);
  ASSERT_TRUE(decided) << decided.error().to_string();
  EXPECT_EQ(decided->outcome, Outcome::APPROVED) << "both example agents vote yes";

  // The Python client, told only of the follower, follows it too.
  std::string script = stack.cluster.dir().file("follow.py");
  std::ofstream(script) << R"PY(
import json, sys
sys.path.insert(0, sys.argv[1])
from orion_sdk import Client
with Client(sys.argv[2], request_timeout_ms=500, call_timeout_ms=10_000, consensus_replicas=[sys.argv[3]]) as c:
    print(json.dumps({"proposal_id": c.make_distributed_decision("deploy", {"v": "py"}, "majority", 30_000,
                                                                 capability="deploy")}))
)PY";
  auto py = run_command("/usr/bin/python3",
                        {script, std::string(ORION_SOURCE_DIR) + "/sdk/python", stack.cluster.registry_endpoint,
                         stack.endpoints[follower]},
                        stack.cluster.dir().path(), 60'000);
  ASSERT_EQ(py.exit_code, 0) << py.err << py.out;
  auto py_id = Json::parse(py.out).at("proposal_id").get<std::string>();
  EXPECT_TRUE(direct.status(py_id)) << py_id << " is not at the leader";

  // The leader dies: the client's next proposal waits out its silence and the election.
  stack.replicas[leader]->kill9();
  auto again = client.make_distributed_decision("deploy", {{"v", 2}}, ConsensusType::MAJORITY, 30'000, "deploy");
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_NE(again->proposal_id, d->proposal_id);
  std::string new_leader;
  ASSERT_TRUE(wait_until([&] { return find_leader(&new_leader); }, 10'000));
  EXPECT_NE(new_leader, leader);
  ConsensusClientOptions at_new;
  at_new.registry = "";
  at_new.replicas = {stack.endpoints[new_leader]};
  ConsensusClient fresh(at_new);
  auto both = fresh.status(again->proposal_id);
  ASSERT_TRUE(both) << both.error().to_string();
  EXPECT_TRUE(fresh.status(d->proposal_id)) << "the first proposal survived the leader's death";
}

TEST_F(ConsensusTest, ConsensusClientGivesUpWithinItsBoundNamingTheReplicasItTried) {
  // No replica at all answers at these endpoints (nothing listens): the call ends at its bound
  // with UNAVAILABLE naming both and the number of tries.
  ConsensusClientOptions o;
  o.registry = "";
  o.replicas = {"tcp://127.0.0.1:" + std::to_string(free_port()), "tcp://127.0.0.1:" + std::to_string(free_port())};
  o.request_timeout_ms = 100;
  o.call_timeout_ms = 800;
  ConsensusClient client(o);
  auto start = now_ms();
  auto r = client.status("p1");
  auto took = now_ms() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::UNAVAILABLE);
  EXPECT_LT(took, 2'000);
  EXPECT_NE(r.error().message.find(o.replicas[0]), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(o.replicas[1]), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("consensus GET_PROPOSAL: gave up after"), std::string::npos) << r.error().message;
}

// A leader paused (SIGSTOP) while the others elect another serves no read from its old state
// when it resumes: its lease lapsed while it slept (docs/protocol.md 13.4).
TEST_F(ConsensusTest, APausedLeaderServesNoStaleReadWhenItResumes) {
  const std::string reg = stack.cluster.registry_endpoint;
  stack.start_three();
  ConsensusClientOptions o;
  o.registry = "";
  for (const auto& [id, ep] : stack.endpoints) o.replicas.push_back(ep);
  ConsensusClient probe(o);
  auto leader_of = [&](const std::string& skip) {
    for (const auto& [id, ep] : stack.endpoints) {
      if (id == skip) continue;
      auto r = probe.replica(ep, 300);
      if (r && r->role == "leader") return id;
    }
    return std::string();
  };
  std::string old;
  ASSERT_TRUE(wait_until([&] { return !(old = leader_of("")).empty(); }, 10'000));
  ::kill(stack.replicas[old]->pid(), SIGSTOP);
  std::string next;
  ASSERT_TRUE(wait_until([&] { return !(next = leader_of(old)).empty(); }, 10'000));
  ConsensusClientOptions to_next;
  to_next.registry = "";
  to_next.replicas = {stack.endpoints[next]};
  ConsensusClient client(to_next);
  auto ok = client.propose(make_workload().proposals[0]);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  ::kill(stack.replicas[old]->pid(), SIGCONT);
  // Until it knows it is a follower, the old leader answers that read only with a refusal.
  int stale = 0;
  bool follower = wait_until(
      [&] {
        auto r = ask(stack.endpoints[old],
                     Envelope{MsgType::GET_PROPOSAL, random_hex(8), GetProposal{ok->proposal_id}.to_body()}, 300);
        if (r && r->type != MsgType::ERROR) ++stale;
        if (r && r->type == MsgType::ERROR) {
          auto code = error_from_body(r->body).code;
          if (code != ErrorCode::UNAVAILABLE && code != ErrorCode::NOT_LEADER) ++stale;
        }
        auto i = probe.replica(stack.endpoints[old], 300);
        return i && i->role == "follower";
      },
      10'000);
  EXPECT_EQ(stale, 0) << "reads served from the paused leader's old state";
  EXPECT_TRUE(follower);
}

// Retention with real processes: with --retention 2s a decided proposal and an ended lease are
// forgotten about 2 s after they ended; the proposal's id then answers NOT_FOUND "expired"
// (GET_PROPOSAL, WAIT_PROPOSAL, VOTE), unlike an id never issued, also after kill -9 and a
// restart (its record left the store); a pending one stays.
TEST_F(ConsensusTest, WithRetention2sADecidedProposalIsForgottenAndAnswersNotFoundExpired) {
  stack.start("single", {"--retention", "2s"}, stack.cluster.registry_endpoint);
  ConsensusClientOptions o;
  o.registry = stack.cluster.registry_endpoint;
  ConsensusClient client(o);
  Propose p;
  p.type = "deploy";
  p.consensus_type = ConsensusType::MAJORITY;
  p.voters = {voter("a1")};
  auto id = client.propose(p);
  ASSERT_TRUE(id) << id.error().to_string();
  Propose waiting = p;
  waiting.timeout_ms = 600'000;
  auto pending = client.propose(waiting);
  ASSERT_TRUE(pending);
  ASSERT_TRUE(client.vote(id->proposal_id, "a1", true, keys_of("a1").secret_key));
  auto decided = client.status(id->proposal_id);
  ASSERT_TRUE(decided);
  ASSERT_EQ(decided->outcome, Outcome::APPROVED);
  EXPECT_EQ(decided->expires_ms, decided->decided_ms + 2'000) << "the view says when it goes";
  ASSERT_TRUE(client.acquire("job-lock", "w1", 1'000)->granted);
  ASSERT_TRUE(client.release("job-lock", "w1")->granted);

  Error gone;
  ASSERT_TRUE(wait_until(
      [&] {
        auto v = client.status(id->proposal_id);
        if (v) return false;
        gone = v.error();
        return true;
      },
      10'000));
  EXPECT_GE(SystemClock().wall_ms(), decided->expires_ms) << "not before its retention passed";
  EXPECT_EQ(gone.code, ErrorCode::NOT_FOUND);
  EXPECT_NE(gone.message.find("expired"), std::string::npos) << gone.message;
  auto waited = client.wait(id->proposal_id, 1'000);
  ASSERT_FALSE(waited);
  EXPECT_NE(waited.error().message.find("expired"), std::string::npos);
  auto late_vote = client.vote(id->proposal_id, "a1", true, keys_of("a1").secret_key);
  ASSERT_FALSE(late_vote);
  EXPECT_EQ(late_vote.error().code, ErrorCode::NOT_FOUND);
  auto never = client.status("p999");
  ASSERT_FALSE(never);
  EXPECT_EQ(never.error().code, ErrorCode::NOT_FOUND);
  EXPECT_EQ(never.error().message.find("expired"), std::string::npos) << never.error().message;
  EXPECT_EQ(client.status(pending->proposal_id)->outcome, Outcome::PENDING);
  ASSERT_TRUE(wait_until([&] { return client.lease("job-lock")->lease.token == 0; }, 10'000))
      << "the released lease is forgotten too";

  stack.replicas["single"]->kill9();
  stack.start("single", {"--retention", "2s"}, stack.cluster.registry_endpoint);
  auto after = client.status(id->proposal_id);
  ASSERT_FALSE(after);
  EXPECT_NE(after.error().message.find("expired"), std::string::npos) << "its record left the store";
  EXPECT_EQ(client.status(pending->proposal_id)->outcome, Outcome::PENDING);
  EXPECT_EQ(client.acquire("job-lock", "w2", 1'000)->lease.token, 2) << "tokens still grow";
}

// The same over three Raft replicas: the leader's retention, carried in the log, makes every
// replica forget; a follower answers NOT_LEADER, so the client reads the leader.
TEST_F(ConsensusTest, ThreeReplicasForgetADecidedProposalByTheLeadersRetention) {
  stack.start_three({"--retention", "2s"});
  ConsensusClientOptions o;
  o.registry = stack.cluster.registry_endpoint;
  for (const auto& [id, ep] : stack.endpoints) o.replicas.push_back(ep);
  o.request_timeout_ms = 300;
  ConsensusClient client(o);
  Propose p;
  p.type = "leader-election";
  p.consensus_type = ConsensusType::RAFT;
  auto ok = client.propose(p);
  ASSERT_TRUE(ok) << ok.error().to_string();
  ASSERT_EQ(ok->outcome, Outcome::APPROVED);
  Error gone;
  ASSERT_TRUE(wait_until(
      [&] {
        auto v = client.status(ok->proposal_id);
        if (v || v.error().code != ErrorCode::NOT_FOUND) return false;
        gone = v.error();
        return true;
      },
      15'000));
  EXPECT_NE(gone.message.find("expired"), std::string::npos) << gone.message;
  // Every replica holds the same state (the digest of its snapshot).
  ASSERT_TRUE(wait_until(
      [&] {
        std::set<std::string> digests;
        for (const auto& [id, ep] : stack.endpoints) {
          auto r = client.replica(ep, 1000, true);
          if (!r || r->proposals != 0) return false;
          digests.insert(r->digest);
        }
        return digests.size() == 1;
      },
      10'000));
}

}  // namespace
}  // namespace orion::testing
