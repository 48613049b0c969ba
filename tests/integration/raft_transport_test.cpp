// RaftLog's peer connections (common/raft_log.cpp): three replicas in this process over real
// loopback TCP. A leader pipelines AppendEntries, so a connection with Nagle's algorithm on
// holds each entry until the previous one is acknowledged (the delayed ACK: 40 ms on Linux);
// every connection raft opens must have TCP_NODELAY.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <deque>
#include <filesystem>
#include <memory>
#include <set>

#include <gtest/gtest.h>

#include "common/raft_log.h"
#include "tests/integration/process.h"
#include "tests/integration/scheduler_replicas.h"

namespace orion {
namespace {

// The TCP connections of this process whose remote port is one of `ports` and whose local
// port is not (the connections raft opened to its peers), each with its TCP_NODELAY.
std::vector<int> peer_connections_nodelay(const std::set<int>& ports) {
  std::vector<int> nodelay;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    int fd = std::atoi(entry.path().filename().c_str());
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_in local{}, remote{};
    socklen_t n = sizeof local, m = sizeof remote;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &n) != 0 || local.sin_family != AF_INET) continue;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &m) != 0) continue;
    if (!ports.count(ntohs(remote.sin_port)) || ports.count(ntohs(local.sin_port))) continue;
    int on = 0;
    socklen_t len = sizeof on;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) != 0) continue;
    nodelay.push_back(on);
  }
  return nodelay;
}

TEST(RaftTransport, EveryPeerConnectionRaftOpensSendsWithoutNagle) {
  testing::TempDir dir("raft-transport");
  std::map<std::uint64_t, std::string> peers;
  std::set<int> ports;
  for (std::uint64_t id = 1; id <= 3; ++id) {
    const int port = testing::free_port();
    ports.insert(port);
    peers[id] = "127.0.0.1:" + std::to_string(port);
  }
  std::vector<std::unique_ptr<RaftLog>> logs;
  for (std::uint64_t id = 1; id <= 3; ++id) {
    RaftOptions o;
    o.id = id;
    o.peers = peers;
    o.dir = dir.file("raft-" + std::to_string(id));
    logs.push_back(std::make_unique<RaftLog>(o));
    ASSERT_TRUE(logs.back()->start()) << "replica " << id;
  }
  RaftLog* leader = nullptr;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        for (auto& l : logs) {
          if (l->role().role == Role::LEADER) leader = l.get();
        }
        return leader != nullptr;
      },
      10'000));

  // One command, committed and applied on every replica: every replica has then sent over
  // its own connections (AppendEntries one way, their results the other).
  leader->append({{1, "hello"}});
  std::vector<int> applied(logs.size(), 0);
  ASSERT_TRUE(testing::wait_until(
      [&] {
        for (std::size_t i = 0; i < logs.size(); ++i) {
          std::deque<LogItem> items;
          logs[i]->take(items);
          for (const auto& it : items) {
            if (it.kind == LogItem::APPLY && it.bytes == "hello") applied[i] = 1;
          }
        }
        return applied == std::vector<int>(logs.size(), 1);
      },
      10'000));

  const auto nodelay = peer_connections_nodelay(ports);
  // The leader to both followers, and each follower back to the leader, at least.
  ASSERT_GE(nodelay.size(), 4u);
  for (int on : nodelay) EXPECT_NE(on, 0);
  for (auto& l : logs) l->stop();
}

}  // namespace
}  // namespace orion
