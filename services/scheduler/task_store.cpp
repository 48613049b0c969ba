#include "services/scheduler/task_store.h"

#include <sqlite3.h>

#include <vector>

namespace orion::scheduler {

std::string task_id_for(std::uint64_t seq) { return "t" + std::to_string(seq); }

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS tasks (
  seq          INTEGER PRIMARY KEY,
  request_id   TEXT NOT NULL,
  spec         BLOB NOT NULL,     -- msgpack of TaskSpec
  state        INTEGER NOT NULL,
  agent        TEXT NOT NULL,
  attempt      INTEGER NOT NULL,
  progress     REAL NOT NULL,
  output       BLOB NOT NULL,     -- msgpack of the output value
  error        TEXT NOT NULL,
  reason       TEXT NOT NULL,
  created_ms   INTEGER NOT NULL,
  assigned_ms  INTEGER NOT NULL,
  started_ms   INTEGER NOT NULL,
  finished_ms  INTEGER NOT NULL
);
)sql";

constexpr const char* kUpsert =
    "INSERT OR REPLACE INTO tasks (seq, request_id, spec, state, agent, attempt, progress, output, error, reason, "
    "created_ms, assigned_ms, started_ms, finished_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

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
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA busy_timeout=5000", kSchema}) {
    if (auto s = exec(sql); !s) return s;
  }
  if (sqlite3_prepare_v2(db_, kUpsert, -1, &upsert_, nullptr) != SQLITE_OK) return sql_error("prepare");
  return {};
}

Status TaskStore::load(const std::function<void(TaskRecord)>& fn) {
  sqlite3_stmt* st = nullptr;
  const char* sql =
      "SELECT seq, request_id, spec, state, agent, attempt, progress, output, error, reason, created_ms, "
      "assigned_ms, started_ms, finished_ms FROM tasks ORDER BY seq";
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) return sql_error("prepare load");
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    TaskRecord r;
    r.seq = static_cast<std::uint64_t>(sqlite3_column_int64(st, 0));
    r.request_id = column_text(st, 1);
    auto spec = decode_value(sqlite3_column_blob(st, 2), static_cast<std::size_t>(sqlite3_column_bytes(st, 2)));
    auto parsed = spec ? TaskSpec::from_json(*spec) : Result<TaskSpec>(spec.error());
    if (!parsed) {
      sqlite3_finalize(st);
      return make_error(ErrorCode::INTERNAL, "stored task " + std::to_string(r.seq) + " is corrupt: " +
                                                 parsed.error().message);
    }
    TaskView& v = r.view;
    v.task_id = task_id_for(r.seq);
    v.spec = std::move(*parsed);
    v.state = static_cast<TaskState>(sqlite3_column_int(st, 3));
    v.assigned_agent = column_text(st, 4);
    v.attempt = sqlite3_column_int64(st, 5);
    v.progress = sqlite3_column_double(st, 6);
    auto out = decode_value(sqlite3_column_blob(st, 7), static_cast<std::size_t>(sqlite3_column_bytes(st, 7)));
    v.output = out ? *out : Json();
    v.error = column_text(st, 8);
    v.reason = column_text(st, 9);
    v.created_ms = sqlite3_column_int64(st, 10);
    v.assigned_ms = sqlite3_column_int64(st, 11);
    v.started_ms = sqlite3_column_int64(st, 12);
    v.finished_ms = sqlite3_column_int64(st, 13);
    fn(std::move(r));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return sql_error("load");
  return {};
}

void TaskStore::stage(const TaskRecord& record) { staged_[record.seq] = record; }

Status TaskStore::commit() {
  if (staged_.empty()) return {};
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
  for (const auto& [seq, r] : staged_) {
    const TaskView& v = r.view;
    std::string spec = encode_value(v.spec.to_json());
    std::string output = encode_value(v.output);
    sqlite3_reset(upsert_);
    sqlite3_bind_int64(upsert_, 1, static_cast<sqlite3_int64>(seq));
    sqlite3_bind_text(upsert_, 2, r.request_id.data(), static_cast<int>(r.request_id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(upsert_, 3, spec.data(), static_cast<int>(spec.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int(upsert_, 4, static_cast<int>(v.state));
    sqlite3_bind_text(upsert_, 5, v.assigned_agent.data(), static_cast<int>(v.assigned_agent.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(upsert_, 6, v.attempt);
    sqlite3_bind_double(upsert_, 7, v.progress);
    sqlite3_bind_blob(upsert_, 8, output.data(), static_cast<int>(output.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(upsert_, 9, v.error.data(), static_cast<int>(v.error.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(upsert_, 10, v.reason.data(), static_cast<int>(v.reason.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(upsert_, 11, v.created_ms);
    sqlite3_bind_int64(upsert_, 12, v.assigned_ms);
    sqlite3_bind_int64(upsert_, 13, v.started_ms);
    sqlite3_bind_int64(upsert_, 14, v.finished_ms);
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
