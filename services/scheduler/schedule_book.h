// Schedules in the scheduler (protocol.md section 17): what each holds, when it fires, and
// what a firing submits. Single-threaded, on the service's loop beside the core and the
// workflow manager it submits through; no sockets, no disk; time from the injected clock.
//
//   ScheduleBook book(core, workflows, clock);
//   auto ok = book.create("req-1", spec);                 // Result<ScheduleInfo>
//   book.tick();                                          // each turn, on the serving leader
//   book.drain_dirty([&](std::uint64_t key, std::string rec) { batch.put(key, rec); });  // "" = delete
//
// Exactly once per tick: a firing submits with the request id and idempotency key
// schedule:<id>:<tick_ms>, and marks the schedule dirty in the same call; the caller writes the
// schedule's record in the same batch as the task the submit made (drain_dirty in the turn's
// hold). A new leader applied both or neither, so it neither fires a tick again nor loses one.
//
// A schedule's life (state, event -> actions, next state):
//   (none)   SCHEDULE_CREATE valid        -> next tick computed                 -> active (paused if asked)
//   active   a tick is due (tick())       -> catch-up picks the ticks to fire; each goes
//                                            through the overlap policy: fired, skipped, or
//                                            queued (queue_one); next tick after now   -> active
//   active   queued tick, previous ended  -> the queued tick fired               -> active
//   any      SCHEDULE_TRIGGER             -> fired now, key ...:trigger:<request id> -> same
//   active   SCHEDULE_PAUSE               -> out of the due index                -> paused
//   paused   SCHEDULE_RESUME              -> next tick = first after now         -> active
//   any      SCHEDULE_DELETE              -> record deleted; what it fired stays -> (none)
//
// Bounds: at most kMaxSchedules; tick() handles at most kFireSlice due schedules per call (the
// rest on the next turn), each firing at most kMaxCatchupTicks ticks, with bounded searches
// (schedule_ticks.h).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/envelope.h"
#include "common/log_store.h"
#include "common/schedule_messages.h"
#include "services/scheduler/schedule_record.h"
#include "services/scheduler/schedule_ticks.h"

namespace orion::scheduler {

class SchedulerCore;
class WorkflowManager;

inline constexpr std::size_t kMaxSchedules = 10'000;
inline constexpr std::size_t kMaxCatchupTicks = 100;  // catch-up `all` fires at most this many
inline constexpr std::size_t kFireSlice = 1'000;      // due schedules handled per tick()
inline constexpr std::int64_t kMisfireGraceMs = 1'000;  // ms: a due tick later than this (or than half its period) is missed
inline constexpr std::size_t kMaxCountedTicks = 1'000;  // missed ticks counted in `skipped` per catch-up, at most

class ScheduleBook {
 public:
  ScheduleBook(SchedulerCore& core, WorkflowManager& workflows, const Clock& clock);
  ScheduleBook(const ScheduleBook&) = delete;
  ScheduleBook& operator=(const ScheduleBook&) = delete;

  // Answers one of the six schedule requests: the reply, or an ERROR envelope.
  Envelope handle(const Envelope& request);

  // INVALID_ARGUMENT (a bad cron expression with the parser's words, an unknown zone, a spec
  // that breaks section 17.1), ALREADY_EXISTS (the id is held, by another request),
  // FAILED_PRECONDITION (kMaxSchedules held); the same request id again answers the first
  // schedule with duplicate = true.
  Result<ScheduleInfo> create(const std::string& request_id, ScheduleSpec spec);
  Result<ScheduleListOk> list(const ScheduleList& request) const;
  Result<ScheduleView> get(const std::string& schedule_id) const;
  Result<ScheduleInfo> pause(const std::string& schedule_id);
  Result<ScheduleInfo> resume(const std::string& schedule_id);
  Result<ScheduleDeleteOk> remove(const std::string& schedule_id);
  // Fires now, outside the ticks and whatever the overlap policy; the same request id again
  // answers the first firing and makes nothing.
  Result<ScheduleTriggerOk> trigger(const std::string& request_id, const std::string& schedule_id);

  // Fires what is due at the clock's wall time: queued ticks whose previous firing ended, then
  // the ticks due (catch-up, then overlap). Call on the serving leader only, once per turn.
  void tick();

  // Every schedule changed since the last call, once each, as (log key, record); a deleted
  // one as (log key, "") and the counter (id 0) when a seq was handed out.
  template <class Fn>
  void drain_dirty(Fn&& fn) {
    for (auto seq : dirty_) {
      auto it = by_seq_.find(seq);
      fn(log_key(kScheduleRecordKind, seq), it == by_seq_.end() ? std::string() : encode_schedule_record(it->second.rec));
    }
    dirty_.clear();
    if (counter_dirty_) fn(log_key(kScheduleRecordKind, 0), encode_schedule_counter(next_seq_));
    counter_dirty_ = false;
  }
  // Every record held (a snapshot's), the counter first.
  template <class Fn>
  void each_record(Fn&& fn) const {
    fn(log_key(kScheduleRecordKind, 0), encode_schedule_counter(next_seq_));
    for (const auto& [seq, e] : by_seq_) fn(log_key(kScheduleRecordKind, seq), encode_schedule_record(e.rec));
  }
  // Start-up and hot standby: a record as stored (key id 0: the counter), replacing the one
  // held; empty bytes delete it. INTERNAL when it does not decode.
  Status apply_record(std::uint64_t id, std::string_view bytes);

  std::size_t size() const { return by_seq_.size(); }
  // Every documented invariant; the first broken one.
  Status check_invariants() const;

 private:
  struct Entry {
    ScheduleRecord rec;
    ScheduleTicks ticks;
  };
  Entry* find(const std::string& schedule_id);
  const Entry* find(const std::string& schedule_id) const;
  Error missing(const std::string& schedule_id) const;
  // Puts e in the due index and the pending set as its state says; unindex takes it out.
  void index(const Entry& e);
  void unindex(const Entry& e);
  bool active(const Entry& e) const { return e.rec.view.state == "active"; }
  // True when the firing `id` (a task or a workflow) has ended, expired, or there is none.
  bool ended(const std::string& id) const;
  // Handles the ticks due in e at now (catch-up, overlap), and moves to the next tick.
  void run_due(Entry& e, std::int64_t now);
  void offer(Entry& e, std::int64_t tick);
  // Submits e's task (or runs its workflow) with `key` as request id and idempotency key.
  // Returns the id it made (or found, *duplicate set), or the refusal.
  Result<std::string> submit(const Entry& e, std::int64_t tick, const std::string& key, bool* duplicate);
  void fire(Entry& e, std::int64_t tick);
  ScheduleInfo info(const Entry& e, bool duplicate) const { return ScheduleInfo{e.rec.view, duplicate}; }

  SchedulerCore& core_;
  WorkflowManager& workflows_;
  const Clock& clock_;
  // Every schedule, by seq (its log key). Invariant: by_id_ and by_request_ index exactly these.
  std::map<std::uint64_t, Entry> by_seq_;
  std::map<std::string, std::uint64_t> by_id_;  // ordered: SCHEDULE_LIST pages by id
  std::unordered_map<std::string, std::uint64_t> by_request_;
  // Invariant: (next_fire_ms, seq) of exactly the active schedules whose next_fire_ms > 0.
  std::set<std::pair<std::int64_t, std::uint64_t>> due_;
  // Invariant: exactly the schedules whose pending_tick_ms != 0.
  std::set<std::uint64_t> pending_;
  std::set<std::uint64_t> dirty_;  // changed or deleted since the last drain
  std::uint64_t next_seq_ = 1;     // Invariant: > every seq held; ids "s<n>" are handed out from it
  bool counter_dirty_ = false;
};

}  // namespace orion::scheduler
