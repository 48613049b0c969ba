#include "common/log_store.h"

#include <sqlite3.h>

#include <unordered_map>

namespace orion {

void LogBatch::merge(LogBatch&& other) {
  if (records.empty()) {
    records = std::move(other.records);
    return;
  }
  records.insert(records.end(), std::make_move_iterator(other.records.begin()),
                 std::make_move_iterator(other.records.end()));
}

void LogBatch::compact() {
  if (records.size() < 2) return;
  std::unordered_map<std::uint64_t, std::size_t> last;  // key -> index of its last record
  last.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) last[records[i].first] = i;
  if (last.size() == records.size()) return;
  std::size_t out = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (last[records[i].first] != i) continue;
    if (out != i) records[out] = std::move(records[i]);
    ++out;
  }
  records.resize(out);
}

namespace {
// 4: record kinds in the key's top byte (log_key). 3: one keyed records table.
constexpr int kSchemaVersion = 4;
constexpr int kMigratableVersion = 3;
constexpr const char* kSchema = "CREATE TABLE IF NOT EXISTS records (key INTEGER PRIMARY KEY, record BLOB NOT NULL)";
// An upsert, not INSERT OR REPLACE: a changed task's row is updated in place instead of being
// deleted and inserted again (one B-tree operation instead of two).
constexpr const char* kUpsert =
    "INSERT INTO records (key, record) VALUES (?,?) ON CONFLICT(key) DO UPDATE SET record=excluded.record";

constexpr const char* kDelete = "DELETE FROM records WHERE key = ?";

int query_int(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  int v = 0;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    v = sqlite3_column_int(st, 0);
  }
  sqlite3_finalize(st);
  return v;
}
}  // namespace

SqliteLogStore::~SqliteLogStore() {
  if (upsert_) sqlite3_finalize(upsert_);
  if (delete_) sqlite3_finalize(delete_);
  if (db_) sqlite3_close(db_);
}

Error SqliteLogStore::sql_error(const char* what) const {
  return make_error(ErrorCode::INTERNAL, std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : "no database"));
}

Status SqliteLogStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return make_error(ErrorCode::INTERNAL, std::string("sqlite: ") + msg);
  }
  return {};
}

Result<std::unique_ptr<SqliteLogStore>> SqliteLogStore::open(const std::string& path) {
  std::unique_ptr<SqliteLogStore> s(new SqliteLogStore());
  if (sqlite3_open(path.c_str(), &s->db_) != SQLITE_OK) return s->sql_error(("open " + path).c_str());
  // WAL + synchronous=FULL: a commit returns only once its WAL frames are fsynced. The page size
  // applies to a new file only (16 KiB: a quarter fewer B-tree pages to write for 400-byte
  // records than the default 4 KiB); an existing file keeps its own.
  const std::string page_size = "PRAGMA page_size=" + std::to_string(kPageBytes);
  for (const char* sql : {page_size.c_str(), "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA busy_timeout=5000"}) {
    if (auto st = s->exec(sql); !st) return st.error();
  }
  // No checkpoint inside COMMIT (SQLite's default, every 1000 pages, would run it there and so
  // before the batch is acknowledged): the hook only counts, and maintain() checkpoints later.
  sqlite3_wal_hook(
      s->db_,
      [](void* self, sqlite3*, const char*, int pages) {
        static_cast<SqliteLogStore*>(self)->wal_pages_ = pages;
        return SQLITE_OK;
      },
      s.get());
  s->page_bytes_ = query_int(s->db_, "PRAGMA page_size");
  int tables = query_int(s->db_, "SELECT count(*) FROM sqlite_master WHERE type='table'");
  int version = query_int(s->db_, "PRAGMA user_version");
  if (tables > 0 && version == kMigratableVersion) {
    // v3 -> v4: v3 keys are kind 0 keys already; nothing to rewrite.
    if (auto st = s->exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str()); !st) return st.error();
    version = kSchemaVersion;
  }
  if (tables > 0 && version != kSchemaVersion) {
    return make_error(ErrorCode::FAILED_PRECONDITION, path + " has schema version " + std::to_string(version) +
                                                          "; this build reads version " + std::to_string(kSchemaVersion));
  }
  if (auto st = s->exec(kSchema); !st) return st.error();
  if (auto st = s->exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str()); !st) return st.error();
  if (sqlite3_prepare_v2(s->db_, kUpsert, -1, &s->upsert_, nullptr) != SQLITE_OK) return s->sql_error("prepare");
  if (sqlite3_prepare_v2(s->db_, kDelete, -1, &s->delete_, nullptr) != SQLITE_OK) return s->sql_error("prepare");
  return s;
}

void SqliteLogStore::maintain() {
  if (static_cast<std::int64_t>(wal_pages_) * page_bytes_ < kCheckpointBytes) return;
  // PASSIVE: copies what it can without waiting for anyone; a failure only leaves the WAL longer.
  sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  wal_pages_ = 0;
}

Status SqliteLogStore::replay(const std::function<Status(std::uint64_t, std::string_view)>& fn) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT key, record FROM records ORDER BY key", -1, &st, nullptr) != SQLITE_OK) {
    return sql_error("prepare replay");
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    auto key = static_cast<std::uint64_t>(sqlite3_column_int64(st, 0));
    std::string_view rec(static_cast<const char*>(sqlite3_column_blob(st, 1)),
                         static_cast<std::size_t>(sqlite3_column_bytes(st, 1)));
    if (auto s = fn(key, rec); !s) {
      sqlite3_finalize(st);
      return s;
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return sql_error("replay");
  return {};
}

Status SqliteLogStore::append(const LogBatch& batch) {
  if (batch.empty()) return {};
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
  for (const auto& [key, rec] : batch.records) {
    sqlite3_stmt* st = rec.empty() ? delete_ : upsert_;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(key));
    if (!rec.empty()) sqlite3_bind_blob(st, 2, rec.data(), static_cast<int>(rec.size()), SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
      Error e = sql_error("append");
      exec("ROLLBACK");
      return e;
    }
  }
  if (auto s = exec("COMMIT"); !s) {
    exec("ROLLBACK");
    return s;
  }
  // A user that never calls maintain() must not grow the WAL without bound: past 16 times the
  // threshold, checkpoint here after all.
  if (static_cast<std::int64_t>(wal_pages_) * page_bytes_ >= 16 * kCheckpointBytes) maintain();
  return {};
}

}  // namespace orion
