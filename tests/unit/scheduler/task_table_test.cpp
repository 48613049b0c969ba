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

}  // namespace
}  // namespace orion::scheduler
