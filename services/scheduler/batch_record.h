// A batch record: one record of the scheduler's Log (kind kBatchRecordKind, keyed by the seq of
// the batch's first new task) that holds every task of a SUBMIT_BATCH taken in with a
// BatchIntake, instead of one record per task. It is the request's body as received plus what
// the core decided (the seq of each entry, the instant), so accepting a 100,000-task batch
// writes its 12 MB body once instead of encoding and writing 100,000 records of 400 bytes.
//
//   bytes  = body, header, u32 little-endian header length
//   body   = the SUBMIT_BATCH body (msgpack, as SubmitBatch::from_packed reads it)
//   header = msgpack {"q": request_id, "c": created_ms, "f": first seq, "l": last seq,
//                     "s": [seq of each entry, in entry order]}
// The body comes first so the record can be made in the request's own buffer (no 12 MB copy).
//
// At start-up the core restores every task record first, then each batch record makes again
// the tasks of the batch that have no record of their own (SchedulerCore::restore_batch). Once
// every task of a batch has its own record, the service deletes the batch record in that same
// commit (SchedulerCore::drain_spent_batches).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

#include "common/messages.h"
#include "services/scheduler/batch_entries.h"
#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {

inline constexpr std::uint8_t kBatchRecordKind = 2;  // tasks are kind 0, workflows kind 1
// A batch's idempotent hits (BatchHits, scheduler_core.h), keyed by BatchHits::id, kept as long
// as the batch's request id (BatchHits: retention):
//   msgpack {"q": request_id, "k": [key of each hit entry], "s": [seq of its task, same order],
//            "f": first new seq, "l": last new seq (0, 0: none), "a": accepted_ms}
// A record without f, l, a (written before retention) reads as 0: its window starts at restore.
inline constexpr std::uint8_t kBatchHitsKind = 3;

struct BatchRecord {
  BatchIntake intake;
  SubmitBatch batch;
};

// Takes the body's buffer: the record is the body with the header appended.
std::string encode_batch_record(const BatchIntake& intake, std::string body);
// The SUBMIT_BATCH_OK body for a batch answered through its intake: {"duplicate": false,
// "task_ids": {key: task id}}, keys in entry order.
std::string pack_batch_answer(const std::vector<std::string>& keys, const BatchIntake& intake);
// INTERNAL on bytes that are not a batch record (a corrupt store); bounded like any decoder.
Result<BatchRecord> decode_batch_record(std::string_view bytes);

// A batch record as a restart (or a standby) reads it: its header decoded and its body unpacked
// once, each entry's spec decoded only when restore_batch makes its task, straight into the
// task's record. The body's strings are not copied: `bytes` must outlive it.
//
//   auto stored = StoredBatch::read(bytes);            // INTERNAL: not a batch record
//   if (!stored) return stored.error();
//   core.restore_batch((*stored)->intake(), **stored);
//
// It checks what a SUBMIT_BATCH body is checked for when it is taken in (from_packed), by the
// same code (TaskSpec::from_object); a body that does not read is INTERNAL, as with
// decode_batch_record.
class StoredBatch final : public BatchEntries {
 public:
  static Result<std::unique_ptr<StoredBatch>> read(std::string_view bytes);
  const BatchIntake& intake() const { return intake_; }

  std::size_t size() const override { return entries_.size(); }
  std::string_view key(std::size_t i) const override { return entries_[i].key; }
  std::size_t dependency_count(std::size_t i) const override;
  std::string_view dependency(std::size_t i, std::size_t k) const override;
  bool has_dependencies() const override { return has_dependencies_; }
  Status read_spec(std::size_t i, TaskSpec& spec) override;

 private:
  StoredBatch() = default;
  struct Entry {
    std::string_view key;
    const msgpack::object* task = nullptr;  // a map
    const msgpack::object* depends_on = nullptr;  // an array of strings, or null: none
  };
  BatchIntake intake_;
  msgpack::object_handle body_;
  std::vector<Entry> entries_;
  bool has_dependencies_ = false;
};

std::string encode_batch_hits(const BatchHits& hits);
// INTERNAL on bytes that are not a BatchHits record; `id` is the record's id (its key's).
Result<BatchHits> decode_batch_hits(std::uint64_t id, std::string_view bytes);

}  // namespace orion::scheduler
