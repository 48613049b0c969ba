#include "services/scheduler/task_store.h"

#include <sqlite3.h>

namespace orion::scheduler {

std::string task_id_for(std::uint64_t seq) { return "t" + std::to_string(seq); }

namespace {

// Schema version 2: one msgpack record per task. A file of another version is refused rather
// than misread.
constexpr int kSchemaVersion = 2;
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS tasks (
  seq         INTEGER PRIMARY KEY,
  request_id  TEXT NOT NULL,
  record      BLOB NOT NULL
);
)sql";
constexpr const char* kUpsert = "INSERT OR REPLACE INTO tasks (seq, request_id, record) VALUES (?,?,?)";

std::string column_text(sqlite3_stmt* st, int i) {
  auto p = sqlite3_column_text(st, i);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(st, i)))
           : std::string();
}

}  // namespace

TaskStore::~TaskStore() {
  if (upsert_) sqlite3_finalize(upsert_);
  if (db_) sqlite3_close(db_);
}

Error TaskStore::sql_error(const char* what) const {
  return make_error(ErrorCode::INTERNAL, std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : "no database"));
}

Status TaskStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return make_error(ErrorCode::INTERNAL, std::string("sqlite: ") + msg);
  }
  return {};
}

Status TaskStore::open(const std::string& path) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) return sql_error("open");
  // WAL + synchronous=FULL: a commit returns only once its WAL frames are fsynced.
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA busy_timeout=5000"}) {
    if (auto s = exec(sql); !s) return s;
  }
  sqlite3_stmt* st = nullptr;
  int version = 0, tables = 0;
  if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    version = sqlite3_column_int(st, 0);
  }
  sqlite3_finalize(st);
  if (sqlite3_prepare_v2(db_, "SELECT count(*) FROM sqlite_master WHERE type='table'", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    tables = sqlite3_column_int(st, 0);
  }
  sqlite3_finalize(st);
  if (tables > 0 && version != kSchemaVersion) {
    return make_error(ErrorCode::FAILED_PRECONDITION, path + " has schema version " + std::to_string(version) +
                                                          "; this scheduler reads version " +
                                                          std::to_string(kSchemaVersion));
  }
  if (auto s = exec(kSchema); !s) return s;
  if (auto s = exec("PRAGMA user_version=2"); !s) return s;
  if (sqlite3_prepare_v2(db_, kUpsert, -1, &upsert_, nullptr) != SQLITE_OK) return sql_error("prepare");
  return {};
}

Status TaskStore::load(const std::function<void(TaskRecord)>& fn) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT seq, request_id, record FROM tasks ORDER BY seq", -1, &st, nullptr) != SQLITE_OK) {
    return sql_error("prepare load");
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    TaskRecord r;
    r.seq = static_cast<std::uint64_t>(sqlite3_column_int64(st, 0));
    r.request_id = column_text(st, 1);
    auto rec = decode_value(sqlite3_column_blob(st, 2), static_cast<std::size_t>(sqlite3_column_bytes(st, 2)));
    Result<TaskView> view = rec && rec->contains("v") ? TaskView::from_json((*rec)["v"])
                                                      : Result<TaskView>(make_error(ErrorCode::MALFORMED, "no view"));
    if (!view) {
      sqlite3_finalize(st);
      return make_error(ErrorCode::INTERNAL,
                        "stored task " + std::to_string(r.seq) + " is corrupt: " + view.error().message);
    }
    r.view = std::move(*view);
    if (rec->contains("d") && (*rec)["d"].is_array()) {
      for (const auto& d : (*rec)["d"]) {
        if (d.is_number_unsigned()) r.deps.push_back(d.get<std::uint64_t>());
      }
    }
    if (rec->contains("r") && (*rec)["r"].is_number_integer()) r.ready_ms = (*rec)["r"].get<std::int64_t>();
    fn(std::move(r));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return sql_error("load");
  return {};
}

void TaskStore::stage(const TaskRecord& r) {
  Json rec = {{"v", r.view.to_json()}, {"d", r.deps}, {"r", r.ready_ms}};
  staged_[r.seq] = Row{r.request_id, encode_value(rec)};
}

Status TaskStore::commit() {
  if (staged_.empty()) return {};
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
  for (const auto& [seq, row] : staged_) {
    sqlite3_reset(upsert_);
    sqlite3_bind_int64(upsert_, 1, static_cast<sqlite3_int64>(seq));
    sqlite3_bind_text(upsert_, 2, row.request_id.data(), static_cast<int>(row.request_id.size()), SQLITE_STATIC);
    sqlite3_bind_blob(upsert_, 3, row.record.data(), static_cast<int>(row.record.size()), SQLITE_STATIC);
    if (sqlite3_step(upsert_) != SQLITE_DONE) {
      Error e = sql_error("write task");
      exec("ROLLBACK");
      return e;
    }
  }
  if (auto s = exec("COMMIT"); !s) {
    exec("ROLLBACK");
    return s;
  }
  staged_.clear();
  return {};
}

}  // namespace orion::scheduler
