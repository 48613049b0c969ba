// The Log a consensus replica runs over, seen from its service loop: commands go in, and come
// back in one global order to be applied to the ConsensusCore. Two backends:
//
//   LocalLog (embedded, one replica)  the order is arrival order; an appended command is ready
//                                     at once, and the service makes what it changed durable
//                                     afterwards (SQLite records through GroupCommit) before it
//                                     answers.
//   RaftLog  (3 or 5 replicas)        the order is libraft's; a command is ready once committed
//                                     by a majority, so it is durable before it is applied.
//
//   log.append({{seq, encode_command(c)}});
//   ... poll log.fd() ...
//   std::deque<LogItem> items; log.take(items);
//   for (auto& it : items) switch (it.kind) { case LogItem::APPLY: core.apply(...); ... }
//
// Only the service thread calls these methods.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace orion {

struct LogItem {
  enum Kind {
    APPLY,     // `bytes` is a committed command: apply it
    RESTORE,   // `snapshot` is a snapshot's state: replace the whole state with it
    SNAPSHOT,  // the log wants the state as of everything applied so far: call snapshot_taken()
    FAILED,    // the commands numbered `seqs` will not come back from this replica; `error` says why
    CHANGED,   // the membership change numbered seqs[0] is done (error.message empty) or refused (`error`)
  };
  LogItem() = default;
  LogItem(Kind k, std::string b, std::vector<std::uint64_t> s = {}, Error e = {})
      : kind(k), bytes(std::move(b)), seqs(std::move(s)), error(std::move(e)) {}

  Kind kind = APPLY;
  std::string bytes;
  std::vector<std::uint64_t> seqs;
  Error error;
  // RESTORE: the state, read in place from the buffer the log read it into, which `hold` keeps
  // alive (a snapshot may be hundreds of megabytes: it is not copied on the way).
  std::shared_ptr<const void> hold;
  std::string_view snapshot;
};

enum class Role { SINGLE, LEADER, FOLLOWER, CANDIDATE, UNAVAILABLE };

inline const char* to_string(Role role) {
  switch (role) {
    case Role::SINGLE: return "single";
    case Role::LEADER: return "leader";
    case Role::FOLLOWER: return "follower";
    case Role::CANDIDATE: return "candidate";
    default: return "unavailable";
  }
}

struct RoleInfo {
  Role role = Role::UNAVAILABLE;
  std::string leader_id;  // "" when unknown
  std::uint64_t term = 0;
  bool operator==(const RoleInfo& o) const { return role == o.role && leader_id == o.leader_id && term == o.term; }
  bool operator!=(const RoleInfo& o) const { return !(*this == o); }
};

// A change of the replicas, on the leader: ADD makes `id` at `address` ("host:port", its Raft
// address) a voter once it has caught up (it must run with --join); REMOVE takes `id` out.
struct MembershipChange {
  enum Kind { ADD, REMOVE };
  Kind kind = ADD;
  std::uint64_t id = 0;
  std::string address;
  std::uint64_t seq = 0;  // comes back in the CHANGED item
};

// How far this replica's log got, for operators (orionctl cluster): the last entry known
// committed, the last applied to the state machine, the last stored.
struct LogProgress {
  std::uint64_t commit_index = 0, applied_index = 0, last_index = 0;
};

class CommandLog {
 public:
  virtual ~CommandLog() = default;
  // Commands numbered by the caller; each comes back as one APPLY (or in a FAILED item).
  virtual void append(std::vector<std::pair<std::uint64_t, std::string>> commands) = 0;
  // Moves every ready item to `out`, in order.
  virtual void take(std::deque<LogItem>& out) = 0;
  // Readable when items may be ready or the role changed; -1 when never (LocalLog).
  virtual int fd() const = 0;
  virtual void drain_wakeups() = 0;
  virtual RoleInfo role() const = 0;
  // The answer to a SNAPSHOT item: the encoded state.
  virtual void snapshot_taken(std::string state) = 0;
  // True when an applied command is already durable (Raft); false when the service must
  // persist what it changed before answering (LocalLog).
  virtual bool durable_before_apply() const = 0;
  // True while this replica is the leader AND a majority confirmed that leadership recently
  // enough that no other leader can have been elected since (the leader lease). A leader
  // without it (cut off, or its process paused) must serve neither reads nor writes: another
  // replica may be leading with newer state.
  virtual bool lease_valid() const = 0;
  virtual LogProgress progress() const = 0;
  // Answered by one CHANGED item numbered change.seq.
  virtual void change_membership(const MembershipChange& change) = 0;
};

// The embedded backend's ordering: append() makes the commands ready at once.
class LocalLog final : public CommandLog {
 public:
  void append(std::vector<std::pair<std::uint64_t, std::string>> commands) override {
    for (auto& c : commands) ready_.push_back(LogItem{LogItem::APPLY, std::move(c.second), {}, {}});
  }
  void take(std::deque<LogItem>& out) override {
    for (auto& i : ready_) out.push_back(std::move(i));
    ready_.clear();
  }
  int fd() const override { return -1; }
  void drain_wakeups() override {}
  RoleInfo role() const override { return RoleInfo{Role::SINGLE, "single", 0}; }
  void snapshot_taken(std::string) override {}
  bool durable_before_apply() const override { return false; }
  bool lease_valid() const override { return true; }  // one replica: nobody else can lead
  LogProgress progress() const override { return {}; }
  void change_membership(const MembershipChange& change) override {
    ready_.push_back(LogItem{LogItem::CHANGED, {}, {change.seq},
                             make_error(ErrorCode::FAILED_PRECONDITION, "one replica on SQLite has no membership to change")});
  }

 private:
  std::deque<LogItem> ready_;
};

}  // namespace orion
