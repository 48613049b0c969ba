// Which ASSIGNs may go to their agents before the records of their turn are durable: the agent
// starts while the commit is on its way, which takes a commit off every task's round trip and
// off every link of a chain (scheduler_core.h, "Attempt numbers", says why no attempt number
// is ever leased twice). An ASSIGN goes early only when
//   - the core allows it (not an assignment that skipped an attempt number after a restart),
//   - its task's seq is below the durable seq floor (a task whose own record is lost in a crash
//     has an id no later task gets),
//   - the record of the task's previous assignment is durable (at most one attempt past the
//     durable one is ever out), and
//   - its agent's ATTACH_OK is out (an ASSIGN never overtakes it).
// Every other message, and every answer, still waits for its turn's commit.
//
//   EarlyAssigns early;
//   early.floor_written(batch, core.seq_floor());     // a turn that raised the floor
//   early.attached(identity, batch);                   // a turn that answered ATTACH_OK
//   if (early.may_go(m)) send(m); early.assigned(m.seq, batch);
//   early.committed(gc.committed());                   // as commits land
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>

#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {

class EarlyAssigns {
 public:
  // The floor is raised this far ahead of the next seq when it comes within kSeqMargin of it.
  static constexpr std::uint64_t kSeqBlock = 1u << 16, kSeqMargin = kSeqBlock / 2;

  bool may_go(const Outbox::ToPeer& m) const;
  // Batch `batch` (not yet durable) holds the retention mark with this floor.
  void floor_written(std::uint64_t batch, std::uint64_t floor);
  // Batch `batch` holds the assignment of task `seq` (early or not).
  void assigned(std::uint64_t seq, std::uint64_t batch);
  // Batch `batch` holds the ATTACH that the agent on `identity` is answered.
  void attached(const std::string& identity, std::uint64_t batch);
  // Batches up to `through` are durable.
  void committed(std::uint64_t through);
  // A new term (this replica became the leader, or stopped being it): nothing is known durable.
  void reset();

  std::uint64_t durable_floor() const { return durable_floor_; }
  // No floor written in this term yet: the next turn writes one, whatever the next seq.
  bool floor_wanted() const { return durable_floor_ == 0 && floors_.empty(); }
  std::size_t open() const { return open_assigns_.size() + open_attaches_.size(); }

 private:
  std::uint64_t durable_floor_ = 0;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> floors_;  // (batch, floor), batch order
  // Open: written in a batch not yet durable. The maps hold each key's latest batch; the queues
  // every (batch, key) in batch order, to forget them as batches land.
  std::unordered_map<std::uint64_t, std::uint64_t> open_assigns_;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> assign_order_;
  std::unordered_map<std::string, std::uint64_t> open_attaches_;
  std::deque<std::pair<std::uint64_t, std::string>> attach_order_;
};

}  // namespace orion::scheduler
