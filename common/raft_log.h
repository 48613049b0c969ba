// The replicated backend of the consensus Log: Canonical's libraft (C, Debian libraft-dev) on
// its own thread, behind the CommandLog interface, so that it can be replaced.
//
//   RaftOptions o;
//   o.id = 1;
//   o.peers = {{1, "127.0.0.1:7309"}, {2, "127.0.0.1:7319"}, {3, "127.0.0.1:7329"}};
//   o.dir = "data/consensus-1/raft";
//   RaftLog log(o);
//   if (auto s = log.start(); !s) die(s.error());   // bootstraps on first start, else reloads
//   ... log.append(...), poll log.fd(), log.take(...) from the service thread ...
//   log.stop();
//
// Threads. A raft thread owns a libuv loop, the raft instance and its I/O; every raft_* call
// happens there. The service thread talks to it through two locked queues: append() pushes
// commands and wakes the loop (uv_async_send, the one thread-safe libuv call); the raft
// thread pushes ready items (committed commands, snapshots to restore, snapshot requests,
// failures) and wakes the service through an eventfd. The state machine itself lives on the
// service thread: the raft FSM callbacks only forward.
//
// Snapshots: when raft asks its FSM for a snapshot, the raft thread queues a SNAPSHOT item
// behind every command applied so far and answers "busy"; the service thread, reaching the
// item, hands back its encoded state with snapshot_taken(), exactly the state as of that item.
// Raft asks again after later entries: the snapshot is then that state and the entries applied
// since (the tail), which is the state at raft's last applied index. The raft thread never waits
// for the service and copies neither part: it gives raft the buffers as they are (fsm version 2;
// raft hands them back through snapshot_finalize once written). Past the entry threshold a
// snapshot also waits until the entries applied since the last one are at least as large as it
// was. A snapshot received from the leader (InstallSnapshot) or loaded at start arrives as a
// RESTORE item, in order with the commands.
//
// Failures. When this replica is not the leader, appended commands come back at once as FAILED
// (NOT_LEADER). When leadership is lost with commands in flight, raft fails their request and
// they come back FAILED (UNAVAILABLE, outcome unknown): they may still commit under the next
// leader, so clients retry with the same request id and the state machine deduplicates.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/command_log.h"

struct raft;  // libraft's instance (raft.h stays out of this header)

namespace orion {

struct RaftOptions {
  std::uint64_t id = 0;                          // this replica, >= 1
  std::map<std::uint64_t, std::string> peers;    // id -> "host:port" of every replica, self included
  std::string dir;                               // raft's log and snapshots; created if missing
  unsigned election_timeout_ms = 300;            // randomised by raft in [1x, 2x)
  unsigned heartbeat_timeout_ms = 30;
  unsigned snapshot_threshold = 1024;            // entries between snapshots
  unsigned snapshot_trailing = 1024;             // entries kept after a snapshot
  // A follower busy with a snapshot of its own drops an InstallSnapshot without an answer, and
  // the leader sends nothing but heartbeats to it until this passes (libraft's default: 30 s).
  unsigned install_snapshot_timeout_ms = 1000;
  unsigned connect_retry_ms = 100;               // reconnect to a lost peer this often
  // The leader lease (lease_valid): how long after a majority acknowledged an entry the leader
  // still counts as confirmed. Below the election timeout, so that no follower of that majority
  // can have voted for another leader meanwhile (libraft followers refuse votes while they
  // hear from a leader). 0 = three quarters of election_timeout_ms.
  unsigned lease_ms = 0;
  // Join a running cluster: start with no configuration and wait to be added by its leader
  // (change_membership ADD), instead of bootstrapping one from `peers`.
  bool join = false;
};

// A snapshot as raft stores and sends it: the service's state as of some applied entry, then
// the entries applied after it, up to the index raft filed the snapshot under (see RaftLog).
// Little endian, padded with zeros to 8 bytes:
//
//   u32 0xFFFFFFFE | u32 n | state (n bytes) | u32 count | count x (u32 n | entry (n bytes))
//
// decode_raft_snapshot refuses (false) whatever does not fit its own lengths, and also reads
// the older form: the state alone, as a framed entry (u32 n | state).
//
// raft_snapshot_pieces gives the same bytes as views, in order, without copying the state or
// the tail: the length words and the padding are written into *framing, the other pieces are
// `state` and the entries of `tail` themselves. RaftLog hands them to raft as they are.
std::vector<std::string_view> raft_snapshot_pieces(const std::string& state, const std::vector<std::string>& tail,
                                                  std::string* framing);
std::string encode_raft_snapshot(const std::string& state, const std::vector<std::string>& tail);
bool decode_raft_snapshot(std::string_view bytes, std::string* state, std::vector<std::string>* tail);
// The same, as views into `bytes` (nothing copied).
bool decode_raft_snapshot_view(std::string_view bytes, std::string_view* state, std::vector<std::string_view>* tail);

// A raft entry (the payload inside the frame, see raft_log.cpp) holds every command of one
// service turn, so a turn costs one entry to write, send and apply on every replica:
//
//   0xC1 'B' | u32 count | count x (u32 n | command (n bytes))      (little endian)
//
// 0xC1 is never the first byte of msgpack, so an entry in the older form, one encoded command
// (a msgpack map), is told apart and still read. split_raft_entry returns the commands of an
// entry in order; an entry whose lengths do not fit is returned whole, as one command, which
// decode_command then refuses on every replica alike.
std::string encode_raft_batch(const std::vector<std::pair<std::uint64_t, std::string>>& commands);
std::vector<std::string> split_raft_entry(std::string_view entry);

// The settings of `options` that live in the raft instance itself: timeouts, pre-vote, snapshot
// threshold and trailing, install-snapshot timeout. RaftLog applies them before raft_start;
// the unit tests apply them to libraft's in-memory fixture.
void tune_raft(struct ::raft* r, const RaftOptions& options);

class RaftLog final : public CommandLog {
 public:
  explicit RaftLog(RaftOptions options);
  ~RaftLog() override;  // stop()

  // Starts the raft thread; returns once raft_start() ran (or failed, with raft's message).
  Status start();
  // Closes raft and joins the thread. Idempotent.
  void stop();

  void append(std::vector<std::pair<std::uint64_t, std::string>> commands) override;
  void take(std::deque<LogItem>& out) override;
  int fd() const override;
  void drain_wakeups() override;
  RoleInfo role() const override;
  void snapshot_taken(std::string state) override;
  bool durable_before_apply() const override { return true; }
  // The leader confirms its leadership with a barrier every lease/4 (an empty entry a
  // majority must store) and with every append of its own; the lease runs from the moment the
  // newest confirmed one was sent, on the monotonic clock, so a paused process (SIGSTOP) comes
  // back with an expired lease.
  bool lease_valid() const override;
  LogProgress progress() const override;
  void change_membership(const MembershipChange& change) override;

  // Parses "1@127.0.0.1:7309,2@127.0.0.1:7319": INVALID_ARGUMENT naming the bad item.
  static Result<std::map<std::uint64_t, std::string>> parse_peers(const std::string& text);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace orion
