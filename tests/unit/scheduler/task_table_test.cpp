// TaskTable: the dense seq -> TaskRecord table behaves as the std::map it replaced.
#include "services/scheduler/task_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace orion::scheduler {
namespace {

TEST(TaskTableTest, LookupsAndIterationMatchAMapWithGapsLeftAtRestore) {
  TaskTable table;
  std::map<std::uint64_t, int> model;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 500; ++i) {
    std::uint64_t seq = 1 + rng() % 800;
    table[seq].seq = seq;
    model[seq] = 1;
  }
  EXPECT_EQ(table.size(), model.size());
  for (std::uint64_t seq = 0; seq <= 900; ++seq) {
    EXPECT_EQ(table.count(seq), model.count(seq)) << seq;
    EXPECT_EQ(table.find(seq) != table.end(), model.count(seq) > 0) << seq;
    if (model.count(seq)) {
      EXPECT_EQ(table.at(seq).seq, seq);
      EXPECT_EQ(table.find(seq)->first, seq);
    } else {
      EXPECT_THROW(table.at(seq), std::out_of_range) << seq;
    }
    auto ub = table.upper_bound(seq);
    auto mub = model.upper_bound(seq);
    if (mub == model.end()) {
      EXPECT_TRUE(ub == table.end()) << seq;
    } else {
      ASSERT_TRUE(ub != table.end()) << seq;
      EXPECT_EQ(ub->first, mub->first) << seq;
    }
  }
  std::vector<std::uint64_t> seen, want;
  for (const auto& [seq, rec] : table) {
    seen.push_back(seq);
    EXPECT_EQ(rec.seq, seq);
  }
  for (const auto& entry : model) want.push_back(entry.first);
  EXPECT_EQ(seen, want);
}

TEST(TaskTableTest, RecordsStayWhereTheyAreWhileTheTableGrows) {
  TaskTable table;
  TaskRecord& first = table[1];
  first.request_id = "r1";
  for (std::uint64_t seq = 2; seq <= 10'000; ++seq) table[seq].seq = seq;
  EXPECT_EQ(&first, &table.at(1));
  EXPECT_EQ(table.at(1).request_id, "r1");
  EXPECT_THROW(table[0], std::out_of_range);
}

TEST(TaskTableTest, EraseMatchesAMapAndDropsTheAbsentPrefixKeepingOtherRecordsInPlace) {
  TaskTable table;
  std::map<std::uint64_t, int> model;
  for (std::uint64_t seq = 1; seq <= 1000; ++seq) table[seq].seq = seq, model[seq] = 1;
  TaskRecord* last = &table.at(1000);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::uint64_t seq = 1 + rng() % 1100;
    table.erase(seq);  // absent ones too: nothing happens
    model.erase(seq);
    if (seq == 1000) last = nullptr;
  }
  EXPECT_EQ(table.size(), model.size());
  for (std::uint64_t seq = 0; seq <= 1100; ++seq) {
    EXPECT_EQ(table.count(seq), model.count(seq)) << seq;
    auto ub = table.upper_bound(seq);
    auto mub = model.upper_bound(seq);
    EXPECT_EQ(ub == table.end(), mub == model.end()) << seq;
    if (mub != model.end() && ub != table.end()) {
      EXPECT_EQ(ub->first, mub->first) << seq;
    }
  }
  std::vector<std::uint64_t> seen, want;
  for (const auto& [seq, rec] : table) {
    seen.push_back(seq);
    EXPECT_EQ(rec.seq, seq);
  }
  for (const auto& entry : model) want.push_back(entry.first);
  EXPECT_EQ(seen, want);
  if (last) {
    EXPECT_EQ(last, &table.at(1000)) << "a record does not move when others are erased";
  }
  // Every record gone: the table is empty, and a seq below the dropped prefix can come back.
  for (std::uint64_t seq = 1; seq <= 1100; ++seq) table.erase(seq);
  EXPECT_TRUE(table.empty());
  EXPECT_TRUE(table.begin() == table.end());
  table[3].seq = 3;
  table[1200].seq = 1200;
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.at(3).seq, 3u);
  EXPECT_EQ(table.upper_bound(3)->first, 1200u);
  EXPECT_EQ(table.begin()->first, 3u);
}

}  // namespace
}  // namespace orion::scheduler
