// SqliteLogStore against a real SQLite file, and GroupCommit on its writer thread.
#include "common/log_store.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "common/group_commit.h"

namespace orion {
namespace {

class LogStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("orion-log-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string path() const { return (dir / "state.db").string(); }
  std::map<std::uint64_t, std::string> read_all(LogStore& log) {
    std::map<std::uint64_t, std::string> out;
    EXPECT_TRUE(log.replay([&](std::uint64_t k, std::string_view v) {
                     out[k] = std::string(v);
                     return Status();
                   }).ok());
    return out;
  }
  std::filesystem::path dir;
};

TEST_F(LogStoreTest, AppendedRecordsReplayAfterReopeningAndTheLatestRecordOfAKeyWins) {
  {
    auto log = SqliteLogStore::open(path());
    ASSERT_TRUE(log.ok()) << log.error().to_string();
    LogBatch b;
    b.put(1, "one");
    b.put(2, std::string("t\0wo", 4));
    b.put(1, "uno");
    ASSERT_TRUE((*log)->append(b).ok());
  }
  auto log = SqliteLogStore::open(path());
  ASSERT_TRUE(log.ok());
  auto all = read_all(**log);
  EXPECT_EQ(all, (std::map<std::uint64_t, std::string>{{1, "uno"}, {2, std::string("t\0wo", 4)}}));
}

TEST_F(LogStoreTest, AnEmptyRecordDeletesItsKeyEvenAfterAPutInTheSameBatch) {
  auto log = SqliteLogStore::open(path());
  ASSERT_TRUE(log.ok());
  LogBatch first;
  first.put(1, "one"), first.put(2, "two"), first.put(log_key(2, 3), "batch");
  ASSERT_TRUE((*log)->append(first).ok());
  LogBatch second;
  second.erase(1);
  second.put(4, "four"), second.erase(4);  // put then deleted in one batch: gone
  second.erase(99);                        // deleting an absent key is no error
  second.erase(log_key(2, 3));
  ASSERT_TRUE((*log)->append(second).ok());
  log->reset();
  auto reopened = SqliteLogStore::open(path());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(read_all(**reopened), (std::map<std::uint64_t, std::string>{{2, "two"}}));
}

TEST_F(LogStoreTest, ReplayStopsAtTheCallbacksFirstError) {
  auto log = SqliteLogStore::open(path());
  LogBatch b;
  for (std::uint64_t k = 1; k <= 5; ++k) b.put(k, "x");
  ASSERT_TRUE((*log)->append(b).ok());
  int seen = 0;
  auto s = (*log)->replay([&](std::uint64_t k, std::string_view) -> Status {
    ++seen;
    if (k == 3) return make_error(ErrorCode::INTERNAL, "bad record 3");
    return {};
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "bad record 3");
  EXPECT_EQ(seen, 3);
}

TEST_F(LogStoreTest, AFileOfAnotherSchemaVersionIsRefused) {
  {
    auto log = SqliteLogStore::open(path());
    ASSERT_TRUE(log.ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto again = SqliteLogStore::open(path());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::FAILED_PRECONDITION);
  EXPECT_NE(again.error().message.find("schema version 99"), std::string::npos);
}

TEST_F(LogStoreTest, AVersion3FileIsMigratedAndReadsAsKindZeroRecords) {
  {
    // A store as version 3 wrote it: the records table and user_version 3, nothing else.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE records (key INTEGER PRIMARY KEY, record BLOB NOT NULL);"
                           "INSERT INTO records VALUES (1, 'one'), (7, 'seven');"
                           "PRAGMA user_version=3;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  {
    auto log = SqliteLogStore::open(path());
    ASSERT_TRUE(log.ok()) << log.error().to_string();
    auto all = read_all(**log);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1], "one");
    EXPECT_EQ(log_kind(7), 0);
    // New kinds go next to the old records and replay after them.
    LogBatch b;
    b.put(log_key(1, 1), "workflow one");
    ASSERT_TRUE((*log)->append(b).ok());
    std::vector<std::uint64_t> order;
    ASSERT_TRUE((*log)->replay([&](std::uint64_t k, std::string_view) {
      order.push_back(k);
      return Status();
    }).ok());
    EXPECT_EQ(order, (std::vector<std::uint64_t>{1, 7, log_key(1, 1)}));
    EXPECT_EQ(log_kind(order.back()), 1);
    EXPECT_EQ(log_id(order.back()), 1u);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 4);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(LogStoreTest, OpeningInAMissingDirectoryFailsWithAnError) {
  auto log = SqliteLogStore::open((dir / "missing" / "x.db").string());
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().code, ErrorCode::INTERNAL);
}

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

TEST_F(LogStoreTest, GroupCommitNumbersBatchesMakesThemDurableAndWakesItsFd) {
  auto log = SqliteLogStore::open(path());
  ASSERT_TRUE(log.ok());
  {
    GroupCommit gc(std::move(*log));
    std::uint64_t last = 0;
    for (std::uint64_t k = 1; k <= 100; ++k) {
      LogBatch b;
      b.put(k, "v" + std::to_string(k));
      last = gc.submit(std::move(b));
    }
    EXPECT_EQ(last, 100u);
    while (gc.committed() < last) ASSERT_TRUE(wait_readable(gc.fd(), 5000)) << "no wake-up from the writer";
    gc.drain_wakeups();
    EXPECT_LE(gc.fsyncs(), 100u);
    EXPECT_GE(gc.fsyncs(), 1u);
  }
  auto reopened = SqliteLogStore::open(path());
  EXPECT_EQ(read_all(**reopened).size(), 100u);
}

TEST_F(LogStoreTest, CompactKeepsOnlyTheLastRecordOfEachKeyInOrder) {
  LogBatch b;
  b.put(1, "a1");
  b.put(2, "b1");
  b.put(1, "a2");
  b.put(3, "c1");
  b.put(2, "b2");
  b.compact();
  std::vector<std::pair<std::uint64_t, std::string>> want{{1, "a2"}, {3, "c1"}, {2, "b2"}};
  EXPECT_EQ(b.records, want);
}

TEST_F(LogStoreTest, TheCommitLeavesTheCheckpointToMaintainWhichCopiesTheWalIntoTheFile) {
  auto log = SqliteLogStore::open(path());
  ASSERT_TRUE(log.ok());
  LogBatch b;
  for (std::uint64_t k = 1; k <= 20'000; ++k) b.put(k, std::string(400, 'r'));  // ~8 MiB of WAL
  ASSERT_TRUE((*log)->append(b).ok());
  auto db_bytes = [&] { return std::filesystem::file_size(path()); };
  // SQLite's own automatic checkpoint (at 1000 pages) would have filled the file inside COMMIT.
  EXPECT_LT(db_bytes(), 1u << 20) << "a checkpoint ran inside the commit";
  (*log)->maintain();
  EXPECT_GT(db_bytes(), 4u << 20) << "maintain() did not checkpoint";
  log->reset();
  auto reopened = SqliteLogStore::open(path());
  EXPECT_EQ(read_all(**reopened).size(), 20'000u);
}

class FailingLog : public LogStore {
 public:
  Status replay(const std::function<Status(std::uint64_t, std::string_view)>&) override { return {}; }
  Status append(const LogBatch&) override { return make_error(ErrorCode::INTERNAL, "disk gone"); }
};

TEST_F(LogStoreTest, AFailedAppendIsReportedAndNothingAfterItCountsAsCommitted) {
  GroupCommit gc(std::make_unique<FailingLog>());
  LogBatch b;
  b.put(1, "x");
  gc.submit(std::move(b));
  gc.flush();
  EXPECT_TRUE(gc.failed());
  EXPECT_EQ(gc.failure().message, "disk gone");
  EXPECT_EQ(gc.committed(), 0u);
}

}  // namespace
}  // namespace orion
