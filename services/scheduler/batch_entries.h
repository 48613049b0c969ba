// The entries of an accepted batch as SchedulerCore::restore_batch reads them when it makes the
// batch's tasks again: each entry's key and dependencies for the plan, then its spec, read
// straight into the record of the task being made (no BatchEntry in between: a restart of
// 2,000,000 queued tasks default-constructed, moved and freed one of 400 bytes per task).
//
//   StoredBatch stored = ...;                           // batch_record.h: a stored record's body
//   core.restore_batch(stored.intake(), stored);
//   DecodedEntries decoded(std::move(entries));         // entries already decoded (tests)
//   core.restore_batch(intake, decoded);
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include "common/messages.h"
#include "common/status.h"

namespace orion::scheduler {

class BatchEntries {
 public:
  virtual ~BatchEntries() = default;
  virtual std::size_t size() const = 0;
  virtual std::string_view key(std::size_t i) const = 0;
  // Entry i's depends_on, in order (keys of the batch or task ids), each passed to fn.
  template <class Fn>
  void each_dependency(std::size_t i, Fn&& fn) const {
    const std::size_t n = dependency_count(i);
    for (std::size_t k = 0; k < n; ++k) fn(dependency(i, k));
  }
  virtual std::size_t dependency_count(std::size_t i) const = 0;
  virtual std::string_view dependency(std::size_t i, std::size_t k) const = 0;
  // True when some entry has a dependency (else the batch's plan is its entries in order).
  virtual bool has_dependencies() const = 0;
  // Entry i's spec into `spec`, a default-constructed TaskSpec (half-filled after an error).
  // Called at most once per entry. INTERNAL when it does not decode.
  virtual Status read_spec(std::size_t i, TaskSpec& spec) = 0;
};

// Entries decoded already (SubmitBatch::tasks): read_spec moves each spec out.
class DecodedEntries final : public BatchEntries {
 public:
  explicit DecodedEntries(std::vector<BatchEntry> entries) : entries_(std::move(entries)) {}
  std::size_t size() const override { return entries_.size(); }
  std::string_view key(std::size_t i) const override { return entries_[i].key; }
  std::size_t dependency_count(std::size_t i) const override { return entries_[i].spec.depends_on.size(); }
  std::string_view dependency(std::size_t i, std::size_t k) const override { return entries_[i].spec.depends_on[k]; }
  bool has_dependencies() const override {
    for (const auto& e : entries_) {
      if (!e.spec.depends_on.empty()) return true;
    }
    return false;
  }
  Status read_spec(std::size_t i, TaskSpec& spec) override {
    spec = std::move(entries_[i].spec);
    return {};
  }

 private:
  std::vector<BatchEntry> entries_;
};

}  // namespace orion::scheduler
