// Durable task state in SQLite (WAL mode, synchronous=FULL): a row per task, written by group
// commit. The scheduler stages every changed task during one turn of its loop and commits them
// together, so many concurrent submits share one fsync; a reply is sent only after commit().
//
//   TaskStore store;
//   if (auto s = store.open("data/scheduler/tasks.db"); !s) die(s.error());
//   store.load([&](TaskRecord r) { ... });
//   store.stage(record);  ...  store.commit();   // one transaction, one fsync
#pragma once

#include <functional>
#include <string>
#include <unordered_map>

#include "common/status.h"
#include "services/scheduler/task_record.h"

struct sqlite3;
struct sqlite3_stmt;

namespace orion::scheduler {

class TaskStore {
 public:
  TaskStore() = default;
  ~TaskStore();
  TaskStore(const TaskStore&) = delete;
  TaskStore& operator=(const TaskStore&) = delete;

  // Opens (creating if needed) the database file; its directory must exist.
  Status open(const std::string& path);
  // Calls `fn` for every stored task, in seq order.
  Status load(const std::function<void(TaskRecord)>& fn);
  // Serialises the record's current content for the next commit (the last stage of a task wins).
  void stage(const TaskRecord& record);
  std::size_t staged() const { return staged_.size(); }
  // Writes every staged record in one transaction. On error nothing staged is written and the
  // staged set is kept, so the caller must not acknowledge anything.
  Status commit();

 private:
  Status exec(const char* sql);
  Error sql_error(const char* what) const;

  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  struct Row {
    std::string request_id;
    std::string record;  // msgpack: {"v": TaskView, "d": [dependency seqs], "r": ready_ms}
  };
  std::unordered_map<std::uint64_t, Row> staged_;
};

}  // namespace orion::scheduler
