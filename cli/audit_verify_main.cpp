// orion-audit-verify: checks the audit chain in a single orion-scheduler's SQLite store, read
// only, without the service (protocol.md section 15.3). `orionctl audit verify --file` runs it;
// it is a binary of its own because it reads SQLite, which orionctl (a client) does not link.
//
//   orion-audit-verify data/scheduler/scheduler.db [--json]     # exit 0 intact, 1 bad, 2 usage
#include <sqlite3.h>

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/audit_report.h"
#include "common/audit_log.h"
#include "common/log_store.h"

namespace {

constexpr std::uint8_t kSchedulerAuditKind = 5;  // services/scheduler/audit_trail.h

// Every audit record of the store, in key order; a record that does not read is kept, empty,
// so that verification names it. false (and why) when the file is not a readable store.
bool read_store(const std::string& path, std::vector<orion::AuditRecord>& out, std::string& why) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    why = "cannot open " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return false;
  }
  sqlite3_stmt* st = nullptr;
  bool ok = sqlite3_prepare_v2(db, "SELECT key, record FROM records WHERE key >= ?1 AND key < ?2 ORDER BY key", -1,
                               &st, nullptr) == SQLITE_OK;
  if (!ok) {
    why = path + " is not a scheduler store: " + sqlite3_errmsg(db);
  } else {
    sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(orion::log_key(kSchedulerAuditKind, 0)));
    sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(orion::log_key(kSchedulerAuditKind + 1, 0)));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const auto seq = orion::log_id(static_cast<std::uint64_t>(sqlite3_column_int64(st, 0)));
      const void* blob = sqlite3_column_blob(st, 1);
      std::string_view bytes(blob ? static_cast<const char*>(blob) : "", static_cast<std::size_t>(sqlite3_column_bytes(st, 1)));
      out.push_back(orion::audit_record(orion::audit_entry(seq, bytes)));
    }
    if (rc != SQLITE_DONE) ok = false, why = path + ": " + sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) {
      json = true;
    } else if (path.empty() && argv[i][0] != '-') {
      path = argv[i];
    } else {
      path.clear();
      break;
    }
  }
  if (path.empty()) {
    std::cerr << "usage: orion-audit-verify SCHEDULER.db [--json]\n";
    return 2;
  }
  std::vector<orion::AuditRecord> records;
  std::string why;
  if (!read_store(path, records, why)) {
    std::cerr << why << "\n";
    return 1;
  }
  return orion::cli::report_verification(records, json);
}
