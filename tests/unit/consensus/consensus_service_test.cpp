// The single-replica service over real sockets, in-process: a ConsensusService on
// tcp://127.0.0.1:* in a thread, SQLite in a temp dir, a raw DEALER for malformed input and a
// ConsensusClient for the API. Every wait is a poll with a deadline; nothing sleeps.
#include "services/consensus/consensus_service.h"

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "common/ids.h"
#include "sdk/cpp/consensus_client.h"
#include "tests/unit/consensus/consensus_fixture.h"

namespace orion::consensus::testing {
namespace {

class RunningConsensus {
 public:
  explicit RunningConsensus(const std::string& dir) : service_(config(dir), clock_) {
    auto s = service_.start();
    if (!s) throw std::runtime_error(s.error().to_string());
    thread_ = std::thread([this] { service_.run(); });
  }
  ~RunningConsensus() {
    service_.stop();
    thread_.join();
  }
  const std::string& endpoint() const { return service_.client_endpoint(); }

 private:
  static ConsensusConfig config(const std::string& dir) {
    ConsensusConfig c;
    c.bind_client = "tcp://127.0.0.1:*";
    c.registries = {"tcp://127.0.0.1:1"};  // nobody: announcements queue, nothing depends on them
    c.data_dir = dir;
    return c;
  }
  SystemClock clock_;
  ConsensusService service_;
  std::thread thread_;
};

class ConsensusServiceTest : public CoreFixture {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("orion-consensus-" + random_hex(6));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    CoreFixture::TearDown();
    std::filesystem::remove_all(dir_);
  }
  ConsensusClient client(const std::string& endpoint) {
    ConsensusClientOptions o;
    o.registry = "";
    o.replicas = {endpoint};
    o.call_timeout_ms = 5'000;
    return ConsensusClient(o);
  }
  // Sends raw frames on a DEALER and returns the reply's envelope.
  Result<Envelope> raw(const std::string& endpoint, const std::vector<std::string>& frames) {
    zmq::context_t ctx;
    auto s = make_socket(ctx, zmq::socket_type::dealer);
    s.connect(endpoint);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      s.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
    zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(5'000)) <= 0) {
      return make_error(ErrorCode::DEADLINE_EXCEEDED, "no reply");
    }
    Incoming in;
    receive(s, in, false);
    return in.envelope;
  }
  std::filesystem::path dir_;
};

TEST_F(ConsensusServiceTest, MalformedAndUnservedRequestsGetCodedErrorsAndChangeNothing) {
  RunningConsensus svc(dir_.string());
  auto bad = raw(svc.endpoint(), {"ORION/1", std::string(1, static_cast<char>(MsgType::VOTE)), "r1", "\xc1"});
  ASSERT_TRUE(bad);
  EXPECT_EQ(error_from_body(bad->body).code, ErrorCode::MALFORMED);
  auto submit = encode_frames(Envelope{MsgType::SUBMIT, "r2", Json::object()});
  auto unserved = raw(svc.endpoint(), submit);
  EXPECT_EQ(error_from_body(unserved->body).code, ErrorCode::UNKNOWN_TYPE);
  auto invalid = raw(svc.endpoint(), encode_frames(Envelope{MsgType::VOTE, "r3", {{"proposal_id", "p1"}}}));
  auto err = error_from_body(invalid->body);
  EXPECT_EQ(err.code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(err.message.find("agent_id"), std::string::npos);
  auto info = client(svc.endpoint()).replica(svc.endpoint());
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->role, "single");
  EXPECT_EQ(info->leader_client, svc.endpoint());
  EXPECT_EQ(info->applied, 0);
}

TEST_F(ConsensusServiceTest, ProposalsVotesAndLeasesSurviveARestart) {
  std::string id;
  {
    RunningConsensus svc(dir_.string());
    auto c = client(svc.endpoint());
    auto p = c.propose(proposal(ConsensusType::WEIGHTED, {voter("a1", 3), voter("a2", 1), voter("a3", 1)}));
    ASSERT_TRUE(p) << p.error().to_string();
    id = p->proposal_id;
    auto v = c.vote(id, "a1", true, keys("a1").secret_key);
    ASSERT_TRUE(v) << v.error().to_string();
    EXPECT_EQ(v->outcome, Outcome::APPROVED) << "3 of 5 weight";
    EXPECT_TRUE(c.acquire("l", "h", 60'000)->granted);
    auto waited = c.wait(id, 0);
    EXPECT_EQ(waited->outcome, Outcome::APPROVED);
  }
  RunningConsensus again(dir_.string());
  auto c = client(again.endpoint());
  auto v = c.status(id);
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(v->outcome, Outcome::APPROVED);
  EXPECT_EQ(v->votes.size(), 1u);
  EXPECT_EQ(c.lease("l")->lease.holder, "h");
  EXPECT_EQ(c.status("p2").error().code, ErrorCode::NOT_FOUND);
}

// Bounds on held WAIT_PROPOSALs (protocol.md section 9): 1,000 per connection, answered
// UNAVAILABLE past that while other connections are served.
TEST_F(ConsensusServiceTest, HeldWaitsAreBoundedPerConnectionAndOthersAreStillServed) {
  RunningConsensus svc(dir_.string());
  auto c = client(svc.endpoint());
  auto p = c.propose(proposal(ConsensusType::MAJORITY, {voter("a1", 1), voter("a2", 1)}));
  ASSERT_TRUE(p) << p.error().to_string();
  const std::string wait = encode_value(Json{{"proposal_id", p->proposal_id}, {"timeout_ms", 600'000}});
  zmq::context_t ctx;
  SocketOptions o;
  o.linger_ms = 0;
  auto hold_all = [&](zmq::socket_t& s, const std::string& prefix) {
    for (int i = 0; i < 1000; ++i) {
      ASSERT_TRUE(send_envelope(s, packed_envelope(MsgType::WAIT_PROPOSAL, prefix + std::to_string(i), wait)));
    }
    ASSERT_TRUE(send_envelope(s, packed_envelope(MsgType::WAIT_PROPOSAL, prefix + "-over", wait)));
    zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
    ASSERT_GT(zmq::poll(&item, 1, std::chrono::milliseconds(10'000)), 0);
    Incoming in;
    ASSERT_TRUE(receive(s, in, false));
    ASSERT_TRUE(in.envelope.ok());
    EXPECT_EQ(in.envelope->request_id, prefix + "-over");  // the first answer: the 1,000 are held
    Error e = error_from_body(in.envelope->body);
    EXPECT_EQ(e.code, ErrorCode::UNAVAILABLE);
    EXPECT_NE(e.message.find("most per connection"), std::string::npos) << e.message;
  };
  {
    auto hog = make_socket(ctx, zmq::socket_type::dealer, o);
    hog.connect(svc.endpoint());
    hold_all(hog, "w");
    // Another connection is still served: its short wait is held and answered at its timeout.
    auto other = c.wait(p->proposal_id, 50);
    ASSERT_TRUE(other) << other.error().to_string();
    EXPECT_EQ(other->outcome, Outcome::PENDING);
  }
  // A new connection has a share of its own, and each of its held waits is answered once the
  // proposal is decided (the closed connection's are dropped: peer_watch.h, tested with the
  // scheduler in tests/integration/hostile_input_test.cpp).
  auto next = make_socket(ctx, zmq::socket_type::dealer, o);
  next.connect(svc.endpoint());
  hold_all(next, "v");
  // MAJORITY of two voters needs both (more than half): the second vote decides the proposal.
  auto v1 = c.vote(p->proposal_id, "a1", true, keys("a1").secret_key);
  ASSERT_TRUE(v1) << v1.error().to_string();
  EXPECT_EQ(v1->outcome, Outcome::PENDING) << "1 of 2 is not more than half";
  auto v = c.vote(p->proposal_id, "a2", true, keys("a2").secret_key);
  ASSERT_TRUE(v) << v.error().to_string();
  ASSERT_EQ(v->outcome, Outcome::APPROVED);
  std::size_t answered = 0;
  zmq::pollitem_t item{next.handle(), 0, ZMQ_POLLIN, 0};
  while (answered < 1000 && zmq::poll(&item, 1, std::chrono::milliseconds(10'000)) > 0) {
    Incoming in;
    while (receive(next, in, false)) {
      ASSERT_TRUE(in.envelope.ok());
      EXPECT_EQ(in.envelope->type, MsgType::PROPOSAL_INFO);
      ++answered;
    }
  }
  EXPECT_EQ(answered, 1000u);
}

}  // namespace
}  // namespace orion::consensus::testing
