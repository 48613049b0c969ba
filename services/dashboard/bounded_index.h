// A map of at most `capacity` JSON objects by id that forgets the least recently touched one
// when a new id would go past it: the dashboard's memory of tasks, workflows and proposals it
// heard of, bounded however many the cluster makes.
//
//   BoundedIndex tasks(5000);
//   tasks.put("t1", {{"state", "PENDING"}});      // touched now
//   if (Json* t = tasks.find("t1")) (*t)["state"] = "RUNNING";
//   tasks.for_each_newest([](const std::string& id, const Json& v) { ... return true; });
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "common/codec.h"

namespace orion::dashboard {

class BoundedIndex {
 public:
  explicit BoundedIndex(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Stores `value` under `id`, replacing what was there, and marks it the most recent. Forgets
  // the least recent entry when that keeps the index within its capacity.
  void put(const std::string& id, Json value);
  // The entry, marked most recent; nullptr when not held.
  Json* touch(const std::string& id);
  // The entry, its recency unchanged; nullptr when not held.
  const Json* find(const std::string& id) const;
  Json* find(const std::string& id);
  bool contains(const std::string& id) const { return entries_.count(id) > 0; }
  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return capacity_; }
  std::uint64_t forgotten() const { return forgotten_; }
  // Most recently touched first, until `visit` returns false.
  void for_each_newest(const std::function<bool(const std::string&, const Json&)>& visit) const;

 private:
  struct Entry {
    Json value;
    std::uint64_t stamp = 0;
  };
  std::size_t capacity_;
  std::uint64_t next_stamp_ = 1;
  std::uint64_t forgotten_ = 0;
  // Invariant: entries_ and by_stamp_ hold the same ids; by_stamp_[e.stamp] == id for each.
  std::map<std::string, Entry> entries_;
  std::map<std::uint64_t, std::string> by_stamp_;
};

}  // namespace orion::dashboard
