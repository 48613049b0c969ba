// The replicated scheduler's entry and snapshot framing (replica_entry.h): entries round-trip,
// the streaming SnapshotStateWriter writes exactly the bytes of the framing over whole entries,
// and every truncation is refused without a crash.
#include "services/scheduler/replica_entry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace orion::scheduler {
namespace {

ReplicaEntry hello(std::uint64_t id) {
  ReplicaEntry h;
  h.kind = ReplicaEntry::HELLO;
  h.origin = 7;
  h.number = id;
  h.hello = ReplicaAddress{id, "tcp://10.0.0." + std::to_string(id) + ":7200", "tcp://10.0.0." + std::to_string(id) + ":7201"};
  return h;
}

ReplicaEntry records() {
  ReplicaEntry e;
  e.origin = 3;
  e.number = 99;
  e.records.put(1, std::string(300, 'a'));
  e.records.put(2, "b");
  e.records.erase(5);  // a deletion: an empty record
  e.records.put(log_key(3, 1), std::string("\0\xff", 2));
  return e;
}

TEST(ReplicaEntryTest, HelloAndRecordsRoundTrip) {
  auto h = decode_replica_entry(encode_replica_entry(hello(2)));
  ASSERT_TRUE(h.ok()) << h.error().to_string();
  EXPECT_EQ(h->kind, ReplicaEntry::HELLO);
  EXPECT_EQ(h->hello.id, 2u);
  EXPECT_EQ(h->hello.agent, "tcp://10.0.0.2:7201");
  auto r = decode_replica_entry(encode_replica_entry(records()));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->kind, ReplicaEntry::RECORDS);
  EXPECT_EQ(r->origin, 3u);
  EXPECT_EQ(r->number, 99u);
  EXPECT_EQ(r->records.records, records().records.records);
}

TEST(ReplicaEntryTest, TheStreamingWriterWritesTheBytesOfTheFramingOverWholeEntries) {
  const ReplicaEntry all = records();
  const std::string framed =
      encode_snapshot_state({encode_replica_entry(hello(1)), encode_replica_entry(hello(2)), encode_replica_entry(all)});

  SnapshotStateWriter w(3);
  w.entry(hello(1));
  w.entry(hello(2));
  w.begin_records(all.origin, all.number);
  for (const auto& [key, bytes] : all.records.records) w.record(key, bytes);
  auto streamed = w.finish();
  ASSERT_TRUE(streamed.ok()) << streamed.error().to_string();
  EXPECT_EQ(*streamed, framed);

  auto entries = decode_snapshot_state(*streamed);
  ASSERT_TRUE(entries.ok()) << entries.error().to_string();
  ASSERT_EQ(entries->size(), 3u);
  auto last = decode_replica_entry((*entries)[2]);
  ASSERT_TRUE(last.ok()) << last.error().to_string();
  EXPECT_EQ(last->records.records, all.records.records);
}

TEST(ReplicaEntryTest, AnEmptyRecordsEntryIsStillAnEntry) {
  SnapshotStateWriter w(1);
  w.begin_records();
  auto state = w.finish();
  ASSERT_TRUE(state.ok()) << state.error().to_string();
  auto entries = decode_snapshot_state(*state);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  auto e = decode_replica_entry((*entries)[0]);
  ASSERT_TRUE(e.ok()) << e.error().to_string();
  EXPECT_TRUE(e->records.empty());
}

TEST(ReplicaEntryTest, AWriterThatWroteOtherThanItAnnouncedFails) {
  SnapshotStateWriter fewer(2);
  fewer.entry(hello(1));
  auto f = fewer.finish();
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::INTERNAL);
  SnapshotStateWriter more(1);
  more.entry(hello(1));
  more.begin_records();
  EXPECT_FALSE(more.finish().ok());
}

TEST(ReplicaEntryTest, TheHeaderAloneNamesKindOriginAndNumberWithoutTheRecords) {
  auto r = decode_replica_header(encode_replica_entry(records()));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->kind, ReplicaEntry::RECORDS);
  EXPECT_EQ(r->origin, 3u);
  EXPECT_EQ(r->number, 99u);
  EXPECT_TRUE(r->records.records.empty());
  auto h = decode_replica_header(encode_replica_entry(hello(4)));
  ASSERT_TRUE(h.ok()) << h.error().to_string();
  EXPECT_EQ(h->kind, ReplicaEntry::HELLO);
  EXPECT_EQ(h->number, 4u);
  // Too short for a header, not an entry, or of an unknown kind: refused.
  const std::string entry = encode_replica_entry(records());
  for (std::size_t n = 0; n < 19; ++n) {
    EXPECT_FALSE(decode_replica_header(std::string_view(entry).substr(0, n)).ok()) << "cut at " << n;
  }
  EXPECT_FALSE(decode_replica_header("XS" + entry.substr(2)).ok());
  std::string unknown = entry;
  unknown[2] = 9;
  EXPECT_FALSE(decode_replica_header(unknown).ok());
}

TEST(ReplicaEntryTest, EveryTruncationIsRefusedWithoutACrash) {
  SnapshotStateWriter w(2);
  w.entry(hello(1));
  w.begin_records(1, 2);
  for (const auto& [key, bytes] : records().records.records) w.record(key, bytes);
  const std::string state = *w.finish();
  for (std::size_t n = 0; n < state.size(); ++n) {
    EXPECT_FALSE(decode_snapshot_state(std::string_view(state).substr(0, n)).ok()) << "cut at " << n;
  }
  const std::string entry = encode_replica_entry(records());
  for (std::size_t n = 0; n < entry.size(); ++n) {
    EXPECT_FALSE(decode_replica_entry(std::string_view(entry).substr(0, n)).ok()) << "cut at " << n;
  }
}

}  // namespace
}  // namespace orion::scheduler
