// Every task the scheduler holds, by seq, in a dense table: seq n lives in slot n - base_ - 1.
// Seqs are handed out 1, 2, 3, ..., so the table is a deque that grows at the back: a lookup is
// an index (no tree walk: linking a 100,000-task batch looks up its dependencies 300,000 times),
// and a record never moves, so references to other records stay valid as the table grows and
// as records are erased.
//
// Its interface is the part of std::map<std::uint64_t, TaskRecord> the core uses, with the same
// meaning: at() (std::out_of_range when absent), count(), find(), operator[] (creates the
// record), erase(), upper_bound(), size(), and iteration in seq order over (seq, record) pairs.
// Slots of seqs never created (a gap left at restore) or erased are skipped by iteration and
// absent to lookups.
//
// Memory after erase (retention expiry, scheduler_core.h): the record is reset at once, which
// frees everything it holds on the heap (spec, input, output, history); its fixed-size slot is
// freed when every slot before it is absent too (the table drops its absent prefix). Tasks
// expire roughly in the order they were submitted, so the table stays about as long as the
// span of seqs still held.
//
//   TaskTable tasks;
//   TaskRecord& t = tasks[7];          // slots 1..6 exist as gaps, 7 is present
//   for (auto& [seq, rec] : tasks) {}  // visits 7 only
//   tasks.erase(7);                    // absent again; slots 1..7 dropped
#pragma once

#include <cstdint>
#include <deque>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>

#include "services/scheduler/task_record.h"

namespace orion::scheduler {

class TaskTable {
 public:
  using value_type = std::pair<const std::uint64_t, TaskRecord>;

  template <class Slots, class Value>
  class Iter {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = TaskTable::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = Value*;
    using reference = Value&;

    Iter() = default;
    Iter(Slots* slots, std::size_t i) : slots_(slots), i_(i) { skip(); }
    reference operator*() const { return (*slots_)[i_].entry; }
    pointer operator->() const { return &(*slots_)[i_].entry; }
    Iter& operator++() {
      ++i_;
      skip();
      return *this;
    }
    bool operator==(const Iter& o) const { return i_ == o.i_; }
    bool operator!=(const Iter& o) const { return i_ != o.i_; }

   private:
    void skip() {
      while (i_ < slots_->size() && !(*slots_)[i_].present) ++i_;
    }
    Slots* slots_ = nullptr;
    std::size_t i_ = 0;
  };

  struct Slot {
    explicit Slot(std::uint64_t seq) : entry(std::piecewise_construct, std::forward_as_tuple(seq), std::forward_as_tuple()) {}
    value_type entry;
    bool present = false;
  };
  using iterator = Iter<std::deque<Slot>, value_type>;
  using const_iterator = Iter<const std::deque<Slot>, const value_type>;

  // The record of `seq`, created (present from now on) if it was not.
  TaskRecord& operator[](std::uint64_t seq) {
    if (seq == 0) throw std::out_of_range("task seq 0");
    while (seq <= base_) slots_.emplace_front(base_--);  // below the dropped prefix: rare
    while (base_ + slots_.size() < seq) slots_.emplace_back(base_ + slots_.size() + 1);
    Slot& s = slots_[seq - base_ - 1];
    if (!s.present) s.present = true, ++size_;
    return s.entry.second;
  }
  // Removes the record of `seq` (nothing when absent): its heap memory is freed now, its slot
  // once the slots before it are absent too. References to other records stay valid.
  void erase(std::uint64_t seq) {
    if (!has(seq)) return;
    Slot& s = slots_[seq - base_ - 1];
    s.entry.second = TaskRecord{};
    s.present = false;
    --size_;
    while (!slots_.empty() && !slots_.front().present) slots_.pop_front(), ++base_;
  }
  TaskRecord& at(std::uint64_t seq) { return slot(seq).entry.second; }
  const TaskRecord& at(std::uint64_t seq) const { return const_cast<TaskTable*>(this)->at(seq); }
  std::size_t count(std::uint64_t seq) const { return has(seq) ? 1 : 0; }
  iterator find(std::uint64_t seq) { return has(seq) ? iterator(&slots_, seq - base_ - 1) : end(); }
  const_iterator find(std::uint64_t seq) const { return has(seq) ? const_iterator(&slots_, seq - base_ - 1) : end(); }
  // The first present seq greater than `seq`.
  iterator upper_bound(std::uint64_t seq) { return iterator(&slots_, index_after(seq)); }
  const_iterator upper_bound(std::uint64_t seq) const { return const_iterator(&slots_, index_after(seq)); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  iterator begin() { return iterator(&slots_, 0); }
  iterator end() { return iterator(&slots_, slots_.size()); }
  const_iterator begin() const { return const_iterator(&slots_, 0); }
  const_iterator end() const { return const_iterator(&slots_, slots_.size()); }

 private:
  bool has(std::uint64_t seq) const {
    return seq > base_ && seq - base_ <= slots_.size() && slots_[seq - base_ - 1].present;
  }
  // The slot index of the first seq greater than `seq` (slots_.size() past the end).
  std::size_t index_after(std::uint64_t seq) const {
    if (seq <= base_) return 0;
    return seq - base_ < slots_.size() ? static_cast<std::size_t>(seq - base_) : slots_.size();
  }
  Slot& slot(std::uint64_t seq) {
    if (!has(seq)) throw std::out_of_range("no task with seq " + std::to_string(seq));
    return slots_[seq - base_ - 1];
  }

  std::deque<Slot> slots_;  // Invariant: slots_[i].entry.first == base_ + i + 1
  std::uint64_t base_ = 0;  // seqs up to base_ have no slot (never created, or erased and dropped)
  std::size_t size_ = 0;    // present slots
};

}  // namespace orion::scheduler
