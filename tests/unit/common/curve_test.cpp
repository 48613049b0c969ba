// CURVE keys and the ZAP handler, on real sockets over loopback TCP: key files keep their secret
// (mode 0600, refused when others may read them, damage named), and a CURVE server admits only
// the keys of its ring, names each message's principal from the handshake, refuses an unknown
// key and a peer without CURVE, and admits a key added by a reload on its next connection.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include <zmq.hpp>

#include "common/curve_keys.h"
#include "common/curve_socket.h"
#include "common/zap_handler.h"
#include "tests/wait_until.h"

namespace orion {
namespace {

namespace fs = std::filesystem;

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("orion-curve-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& text, mode_t mode = 0600) const {
    std::ofstream(path(name)) << text;
    ::chmod(path(name).c_str(), mode);
  }
  static mode_t mode_of(const std::string& p) {
    struct stat st{};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
  }
  fs::path dir_;
};

TEST_F(KeyFileTest, AKeyPairIsWrittenSecretWithItsPublicHalfBesideAndReadsBack) {
  const auto pair = generate_curve_key_pair();
  EXPECT_TRUE(is_z85_key(pair.public_key));
  EXPECT_TRUE(is_z85_key(pair.secret_key));
  EXPECT_EQ(public_key_of(pair.secret_key).value(), pair.public_key);
  ASSERT_TRUE(write_key_pair(path("a.key"), pair).ok());
  EXPECT_EQ(mode_of(path("a.key")), 0600u);
  EXPECT_EQ(mode_of(path("a.key.pub")), 0644u);

  auto back = read_key_pair(path("a.key"));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->public_key, pair.public_key);
  EXPECT_EQ(back->secret_key, pair.secret_key);
  EXPECT_EQ(read_public_key(path("a.key.pub")).value(), pair.public_key);
  EXPECT_EQ(read_public_key(path("a.key")).value(), pair.public_key);
  EXPECT_EQ(z85_of_key_bytes(z85_key_bytes(pair.public_key).value()), pair.public_key);

  auto again = write_key_pair(path("a.key"), generate_curve_key_pair());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::ALREADY_EXISTS);
  EXPECT_EQ(read_key_pair(path("a.key"))->secret_key, pair.secret_key) << "not overwritten";
  EXPECT_FALSE(read_key_pair(path("a.key.pub")).ok()) << "a public key file is not a key pair";
}

TEST_F(KeyFileTest, ASecretOthersMayReadOrADamagedFileIsRefusedNamingWhy) {
  const auto pair = generate_curve_key_pair();
  const std::string good = "public = " + pair.public_key + "\nsecret = " + pair.secret_key + "\n";
  write("open.key", good, 0644);
  auto open = read_key_pair(path("open.key"));
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(open.error().message.find("mode 0600"), std::string::npos) << open.error().message;

  const auto other = generate_curve_key_pair();
  const std::vector<std::pair<std::string, std::string>> damaged = {
      {"public = " + other.public_key + "\nsecret = " + pair.secret_key + "\n", "not the public key of its secret"},
      {"secret = " + pair.secret_key.substr(0, 39) + "\n", "not 40 characters of Z85"},
      {"secret = " + pair.secret_key.substr(0, 39) + "\"\n", "not 40 characters of Z85"},  // '"' is not Z85
      {"private = " + pair.secret_key + "\n", "unknown name 'private'"},
      {"secret\n", "is not 'name = value'"},  // (a Z85 key may itself hold '=')
      {"secret = " + pair.secret_key + "\nsecret = " + pair.secret_key + "\n", "a second secret key"},
      {"# nothing\n", "no secret key"},
      {std::string(5000, '#'), "longer than a key file"},
  };
  for (const auto& [text, why] : damaged) {
    write("bad.key", text);
    auto r = read_key_pair(path("bad.key"));
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(path("bad.key")), std::string::npos) << "names the file";
    fs::remove(path("bad.key"));
  }
  EXPECT_FALSE(read_key_pair(path("missing.key")).ok());
}

TEST(KeyRingTest, AKeyBelongsToOnePrincipal) {
  const auto a = generate_curve_key_pair();
  KeyRing ring;
  ASSERT_TRUE(ring.add(a.public_key, "alice").ok());
  EXPECT_TRUE(ring.add(a.public_key, "alice").ok()) << "the same grant twice is one";
  auto taken = ring.add(a.public_key, "mallory");
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, ErrorCode::ALREADY_EXISTS);
  EXPECT_EQ(ring.add("not a key", "bob").error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(ring.add(generate_curve_key_pair().public_key, "").error().code, ErrorCode::INVALID_ARGUMENT);
  ASSERT_NE(ring.find(z85_key_bytes(a.public_key).value()), nullptr);
  EXPECT_EQ(*ring.find(z85_key_bytes(a.public_key).value()), "alice");
  EXPECT_EQ(ring.size(), 1u);
}

// A message received on the server: its body and the principal of its connection.
struct Received {
  std::string principal, body;
};

bool receive_one(zmq::socket_t& router, Received& out) {
  zmq::message_t identity, body;
  if (!router.recv(identity, zmq::recv_flags::dontwait)) return false;
  if (!router.recv(body, zmq::recv_flags::dontwait)) return false;
  out.principal = principal_of(body);
  out.body = body.to_string();
  return true;
}

TEST(ZapHandlerTest, OnlyKeysOfTheRingAreAdmittedEachNamedByItsPrincipalAndAReloadAdmitsANewOne) {
  zmq::context_t ctx(1);
  const auto server = generate_curve_key_pair();
  const auto alice = generate_curve_key_pair(), bob = generate_curve_key_pair();
  KeyRing ring;
  ASSERT_TRUE(ring.add(alice.public_key, "alice").ok());
  auto current = std::make_shared<const KeyRing>(ring);
  ZapHandler zap(ctx, [&current] { return std::atomic_load(&current); });

  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  make_curve_server(router, server);
  router.bind("tcp://127.0.0.1:*");
  const std::string endpoint = router.get(zmq::sockopt::last_endpoint);

  auto client = [&](const CurveKeyPair* own) {
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::reconnect_ivl, 20);
    if (own) make_curve_client(s, *own, server.public_key);
    s.connect(endpoint);
    return s;
  };
  auto a = client(&alice);
  a.send(zmq::str_buffer("from alice"), zmq::send_flags::none);
  Received got;
  ASSERT_TRUE(testing::wait_until([&] { return receive_one(router, got); }, 10'000));
  EXPECT_EQ(got.body, "from alice");
  EXPECT_EQ(got.principal, "alice") << "the principal comes from the handshake";
  EXPECT_GE(zap.admitted(), 1u);

  // Unknown key: the handshake is refused (libzmq's client then stays disconnected).
  auto b = client(&bob);
  b.send(zmq::str_buffer("from bob"), zmq::send_flags::none);
  ASSERT_TRUE(testing::wait_until([&] { return zap.refused() >= 1; }, 10'000));
  // No CURVE at all: the server's handshake fails before ZAP is asked.
  auto plain = client(nullptr);
  plain.send(zmq::str_buffer("in the clear"), zmq::send_flags::none);
  // What alice sends after both were refused arrives alone: bob's and the plain one never do.
  a.send(zmq::str_buffer("alice again"), zmq::send_flags::none);
  ASSERT_TRUE(testing::wait_until([&] { return receive_one(router, got); }, 10'000));
  EXPECT_EQ(got.body, "alice again");
  EXPECT_EQ(got.principal, "alice");

  // A reload that grants bob his key: his next connection is admitted.
  ASSERT_TRUE(ring.add(bob.public_key, "bob").ok());
  std::atomic_store(&current, std::make_shared<const KeyRing>(ring));
  auto b2 = client(&bob);
  b2.send(zmq::str_buffer("bob again"), zmq::send_flags::none);
  ASSERT_TRUE(testing::wait_until([&] { return receive_one(router, got); }, 10'000));
  EXPECT_EQ(got.body, "bob again");
  EXPECT_EQ(got.principal, "bob");
  EXPECT_FALSE(receive_one(router, got)) << "nothing from the refused connections: " << got.body;
}

}  // namespace
}  // namespace orion
