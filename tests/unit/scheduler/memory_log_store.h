// The scheduler's Log held in a map, for unit tests in simulated time: replay gives the records
// in key order, append applies a batch (an empty record deletes its key). A restart is then the
// service's own load_store (store_load.h) over it, so a test restarts a core as start() does.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/log_store.h"

namespace orion::scheduler {

class MemoryLogStore final : public LogStore {
 public:
  Status replay(const std::function<Status(std::uint64_t key, std::string_view record)>& fn) override {
    for (const auto& [key, bytes] : records) {
      if (auto s = fn(key, bytes); !s) return s;
    }
    return {};
  }
  Status append(const LogBatch& batch) override {
    for (const auto& [key, bytes] : batch.records) {
      if (bytes.empty()) {
        records.erase(key);
      } else {
        records[key] = bytes;
      }
    }
    return {};
  }

  std::map<std::uint64_t, std::string> records;  // key -> the record
};

}  // namespace orion::scheduler
