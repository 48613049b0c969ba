// The audit log on real processes (issue 17, part 7; protocol.md section 15): with CURVE on,
// `orionctl audit --json` shows who submitted, cancelled, drained and registered, with the
// outcome, a PERMISSION_DENIED refusal among them, and only admins and operators may read it;
// a scheduler store changed by hand (a field, a removed record, two records swapped) is found
// at the right record by `orionctl audit verify --file`, and by `orionctl audit verify` once the
// scheduler is started on it; on 3 replicas a new leader continues the chain its predecessor
// left, and the whole chain verifies.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <fstream>

#include "common/audit_chain.h"
#include "common/audit_log.h"
#include "common/curve_keys.h"
#include "common/log_store.h"
#include "common/transport_security.h"
#include "tests/integration/cluster.h"
#include "tests/integration/scheduler_replicas.h"

namespace orion::testing {
namespace {

constexpr std::uint8_t kAuditKind = 5;  // services/scheduler/audit_trail.h

TaskSpec echo(int n, const std::string& cap = "work") {
  TaskSpec spec;
  spec.type = "echo";
  spec.capabilities = {cap};
  spec.input = {{"n", n}};
  return spec;
}

class AuditTest : public ClusterTest {
 protected:
  void TearDown() override {
    set_transport_security({});
    ClusterTest::TearDown();
  }
  std::string extra_logs() const override { return replicas ? replicas->logs() : ""; }
  CommandResult orionctl(std::vector<std::string> args) {
    args.insert(args.end(), {"--registry", cluster.registry_endpoint});
    return run_command(bin("orionctl"), args, cluster.dir().path(), 30'000);
  }
  std::string keygen(const std::string& name) {
    const std::string path = cluster.dir().file(name + ".key");
    auto r = run_command(bin("orionctl"), {"keygen", path}, cluster.dir().path(), 10'000);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return path;
  }
  static std::string public_key(const std::string& key_file) { return read_public_key(key_file + ".pub").value(); }
  std::unique_ptr<SchedulerReplicas> replicas;
};

// The first record matching action and target, or null.
const Json* find(const Json& records, const std::string& action, const std::string& target,
                 const std::string& outcome = "") {
  for (const auto& r : records) {
    if (r["action"] == action && (target.empty() || r["target"] == target) && (outcome.empty() || r["outcome"] == outcome)) {
      return &r;
    }
  }
  return nullptr;
}

TEST_F(AuditTest, EveryChangeIsRecordedWithItsPrincipalAndOutcomeRefusalsIncluded) {
  const std::string services = keygen("services"), admin = keygen("admin"), ci = keygen("ci"), agent = keygen("agent");
  const std::string policy = cluster.dir().file("policy.yaml");
  std::ofstream(policy) << "principals:\n"
                        << "  services: {key: \"" << public_key(services) << "\", roles: [service]}\n"
                        << "  alice: {key: \"" << public_key(admin) << "\", roles: [admin]}\n"
                        << "  ci: {key: \"" << public_key(ci) << "\", roles: [submitter], capabilities: [work]}\n"
                        << "  worker: {key: \"" << public_key(agent) << "\", roles: [agent], agents: [a1], capabilities: [work]}\n";
  const std::vector<std::string> service_flags{"--curve-key", services, "--policy", policy};
  auto mine = load_transport_security(ci, services + ".pub");
  ASSERT_TRUE(mine.ok()) << mine.error().to_string();
  set_transport_security(*mine);
  cluster.start_registry(service_flags);
  cluster.start_scheduler(service_flags);
  cluster.start_agent("a1", {"work"}, 1, {"--curve-key", agent, "--curve-server-key", services + ".pub"});
  ASSERT_TRUE(cluster.wait_agents_up(1));

  sdk::Client c(cluster.client_options());
  auto done = c.submit(echo(1));
  ASSERT_TRUE(done.ok()) << done.error().to_string();
  auto refused = c.submit(echo(2, "secrets"));
  ASSERT_FALSE(refused.ok());
  ASSERT_EQ(refused.error().code, ErrorCode::PERMISSION_DENIED);
  auto parked = c.submit(echo(3, "nobody-has-it"));
  ASSERT_FALSE(parked.ok()) << "ci is granted only the capability work";
  auto waiting = c.submit([] { auto s = echo(4); s.depends_on = {"t999"}; return s; }());
  ASSERT_FALSE(waiting.ok()) << "an unknown dependency is refused";
  auto cancelled = c.submit([&] { auto s = echo(5); s.depends_on = {*done}; s.timeout_ms = 60'000; return s; }());
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().to_string();
  auto cancel = c.cancel(*cancelled, "not needed");
  ASSERT_TRUE(cancel.ok()) << cancel.error().to_string();

  const std::vector<std::string> as_admin{"--curve-key", admin, "--curve-server-key", services + ".pub"};
  const std::vector<std::string> as_ci{"--curve-key", ci, "--curve-server-key", services + ".pub"};
  auto with = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  auto drain = orionctl(with({"drain", "a1"}, as_admin));
  ASSERT_EQ(drain.exit_code, 0) << drain.out << drain.err;

  // A submitter may not read the log; an admin may.
  auto denied = orionctl(with({"audit", "--json"}, as_ci));
  EXPECT_EQ(denied.exit_code, 1) << denied.out;
  EXPECT_NE(denied.err.find("PERMISSION_DENIED"), std::string::npos) << denied.err;

  Json records;
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = orionctl(with({"audit", "--json", "--limit", "1000"}, as_admin));
        if (r.exit_code != 0) return false;
        records = Json::parse(r.out)["records"];
        return find(records, "drain", "a1") != nullptr;
      },
      10'000))
      << records.dump(2);
  const Json* reg = find(records, "register", "a1", "OK");
  ASSERT_TRUE(reg) << records.dump(2);
  EXPECT_EQ((*reg)["principal"], "worker");
  const Json* sub = find(records, "submit", *done);
  ASSERT_TRUE(sub) << records.dump(2);
  EXPECT_EQ((*sub)["principal"], "ci");
  EXPECT_EQ((*sub)["outcome"], "OK");
  EXPECT_EQ((*sub)["detail"], "type=echo");
  const Json* no = find(records, "submit", "", "PERMISSION_DENIED");
  ASSERT_TRUE(no) << records.dump(2);
  EXPECT_EQ((*no)["principal"], "ci");
  EXPECT_NE((*no)["detail"].get<std::string>().find("secrets"), std::string::npos) << no->dump();
  EXPECT_TRUE(find(records, "submit", "", "INVALID_ARGUMENT")) << "the unknown dependency, refused: " << records.dump(2);
  const Json* can = find(records, "cancel", *cancelled);
  ASSERT_TRUE(can) << records.dump(2);
  EXPECT_EQ((*can)["principal"], "ci");
  EXPECT_EQ((*can)["outcome"], "OK");
  EXPECT_EQ((*can)["detail"], "not needed");
  const Json* dr = find(records, "drain", "a1");
  EXPECT_EQ((*dr)["principal"], "alice");
  EXPECT_EQ((*dr)["outcome"], "OK");
  for (std::size_t i = 1; i < records.size(); ++i) {
    EXPECT_EQ(records[i]["seq"].get<std::int64_t>(), records[i - 1]["seq"].get<std::int64_t>() + 1);
    EXPECT_EQ(records[i]["prev_hash"], records[i - 1]["hash"]);
  }

  // People read times, not epoch milliseconds.
  auto table = orionctl(with({"audit"}, as_admin));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("PERMISSION_DENIED"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("Z "), std::string::npos) << table.out;
  auto verified = orionctl(with({"audit", "verify"}, as_admin));
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("OK: "), std::string::npos) << verified.out;
}

// Edits of a stopped scheduler's store, made with SQLite itself as an intruder would.
class Store {
 public:
  explicit Store(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK) << path;
  }
  ~Store() { sqlite3_close(db_); }
  std::string get(std::uint64_t seq) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, "SELECT record FROM records WHERE key = ?1", -1, &st, nullptr);
    sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(log_key(kAuditKind, seq)));
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW) {
      out.assign(static_cast<const char*>(sqlite3_column_blob(st, 0)), static_cast<std::size_t>(sqlite3_column_bytes(st, 0)));
    }
    sqlite3_finalize(st);
    return out;
  }
  void put(std::uint64_t seq, const std::string& bytes) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, "UPDATE records SET record = ?2 WHERE key = ?1", -1, &st, nullptr);
    sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(log_key(kAuditKind, seq)));
    sqlite3_bind_blob(st, 2, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE) << sqlite3_errmsg(db_);
    sqlite3_finalize(st);
  }
  void remove(std::uint64_t seq) {
    const std::string sql = "DELETE FROM records WHERE key = " + std::to_string(log_key(kAuditKind, seq));
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
  }
  void copy_to(const std::string& path) {
    const std::string sql = "VACUUM INTO '" + path + "'";
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
  }

 private:
  sqlite3* db_ = nullptr;
};

TEST_F(AuditTest, AStoreChangedByHandIsFoundAtTheFirstBadRecord) {
  cluster.start_registry();
  cluster.start_scheduler();
  {
    sdk::Client c(cluster.client_options());
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(c.submit(echo(i)).ok());
    ASSERT_TRUE(c.cancel("t2", "by hand").ok());
  }
  ASSERT_EQ(cluster.scheduler().stop(), 0);
  const std::string db = cluster.dir().file("scheduler") + "/scheduler.db";
  auto verify_file = [&](const std::string& path) { return orionctl({"audit", "verify", "--file", path, "--json"}); };
  auto intact = verify_file(db);
  ASSERT_EQ(intact.exit_code, 0) << intact.out << intact.err;
  EXPECT_EQ(Json::parse(intact.out)["records"], 7);

  const std::string changed = cluster.dir().file("changed.db"), removed = cluster.dir().file("removed.db"),
                    swapped = cluster.dir().file("swapped.db");
  {
    Store s(db);
    s.copy_to(changed), s.copy_to(removed), s.copy_to(swapped);
  }
  {
    Store s(changed);  // record 3 now says someone else submitted it (its hash left as it was)
    auto r = decode_audit_record(s.get(3));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    r->event.principal = "mallory";
    s.put(3, encode_audit_record(*r));
  }
  Store(removed).remove(4);
  {
    Store s(swapped);
    const std::string two = s.get(2), three = s.get(3);
    s.put(2, three), s.put(3, two);
  }
  auto bad = [&](const std::string& path) {
    auto r = verify_file(path);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    return Json::parse(r.out);
  };
  Json j = bad(changed);
  EXPECT_EQ(j["bad_seq"], 3);
  EXPECT_NE(j["why"].get<std::string>().find("changed"), std::string::npos) << j.dump();
  j = bad(removed);
  EXPECT_EQ(j["bad_seq"], 5);
  EXPECT_NE(j["why"].get<std::string>().find("missing"), std::string::npos) << j.dump();
  j = bad(swapped);
  EXPECT_EQ(j["bad_seq"], 3);  // stored second
  EXPECT_EQ(j["bad_index"], 1);
  EXPECT_NE(j["why"].get<std::string>().find("reordered"), std::string::npos) << j.dump();

  // The scheduler started on the changed store serves what it holds; verification names record 3,
  // and the chain it goes on with is checked from there.
  {
    Store s(db);
    auto r = decode_audit_record(s.get(3));
    ASSERT_TRUE(r.ok());
    r->event.outcome = "PERMISSION_DENIED";
    s.put(3, encode_audit_record(*r));
  }
  cluster.start_scheduler();
  sdk::Client c(cluster.client_options());
  ASSERT_TRUE(c.submit(echo(9)).ok());
  auto online = orionctl({"audit", "verify"});
  EXPECT_EQ(online.exit_code, 1) << online.out << online.err;
  EXPECT_NE(online.out.find("BAD: record 3 "), std::string::npos) << online.out;
}

TEST_F(AuditTest, ANewLeaderContinuesTheChainItsPredecessorLeft) {
  cluster.start_registry();
  replicas = std::make_unique<SchedulerReplicas>(cluster, 3);
  auto leader = replicas->wait_leader(10'000);
  ASSERT_TRUE(leader);
  {
    sdk::Client c(cluster.client_options());
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.submit(echo(i)).ok());
  }
  replicas->kill9(*leader);
  auto next = replicas->wait_leader(15'000, *leader);
  ASSERT_TRUE(next);
  std::vector<AuditRecord> chain;
  std::string last;  // why the last try did not do
  ASSERT_TRUE(wait_until(
      [&] {
        sdk::Client c(cluster.client_options());
        if (auto id = c.submit(echo(100)); !id) return last = id.error().to_string(), false;
        auto listed = orionctl({"audit", "--json", "--limit", "1000"});
        if (listed.exit_code != 0) return last = listed.err, false;
        chain.clear();
        const Json page = Json::parse(listed.out);
        for (const auto& e : page["records"]) {
          auto entry = AuditEntry::from_json(e);
          if (!entry) return last = entry.error().to_string(), false;
          chain.push_back(audit_record(*entry));
        }
        last = listed.out;
        return chain.size() >= 6;
      },
      20'000))
      << last;
  EXPECT_EQ(chain.front().seq, 1u);
  auto bad = verify_audit_chain(chain);
  EXPECT_FALSE(bad.has_value()) << bad->seq << ": " << bad->why;
  auto verified = orionctl({"audit", "verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

// orion-consensus records each PROPOSE and VOTE as applied from its log, and a vote refused
// before the log (a forged signature) as an AUDIT command of its own.
TEST_F(AuditTest, ConsensusRecordsProposalsAndVotesRefusalsIncluded) {
  cluster.start_registry();
  cluster.start_consensus();
  cluster.start_agent("voter", {"deploy"}, 1, {"--vote", "yes"});
  ASSERT_TRUE(cluster.wait_agents_up(1));
  // The voter hears proposals once its bus subscription reached the publisher: proposals are
  // made until one is approved by its vote (the ones before expire unvoted).
  std::string id;
  ASSERT_TRUE(wait_until(
      [&] {
        auto proposed = orionctl({"propose", "--type", "deploy", "--consensus", "majority", "--cap", "deploy", "--data",
                                  "{\"v\": 2}", "--timeout", "2", "--json"});
        if (proposed.exit_code != 0) return false;
        const std::string made = Json::parse(proposed.out)["proposal_id"].get<std::string>();
        auto decided = orionctl({"decision", made, "--wait", "5", "--json"});
        if (decided.exit_code != 0 || decided.out.find("APPROVED") == std::string::npos) return false;
        id = made;
        return true;
      },
      60'000))
      << "the voter never approved a proposal";
  // A vote signed with a key that is not the voter's.
  auto forged = orionctl({"vote", id, "--agent", "voter", "--no", "--secret-key", std::string(64, '7')});
  EXPECT_EQ(forged.exit_code, 1) << forged.out << forged.err;
  Json records;
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = orionctl({"audit", "--service", "consensus", "--json"});
        if (r.exit_code != 0) return false;
        records = Json::parse(r.out)["records"];
        if (!find(records, "vote", id, "OK")) return false;
        for (const auto& rec : records) {
          if (rec["action"] == "vote" && rec["outcome"] != "OK") return true;  // the forged one, refused
        }
        return false;
      },
      10'000))
      << records.dump(2);
  const Json* p = find(records, "propose", id, "OK");
  ASSERT_TRUE(p) << records.dump(2);
  EXPECT_EQ((*p)["detail"], "type=deploy consensus=MAJORITY");
  EXPECT_EQ((*find(records, "vote", id, "OK"))["detail"], "agent=voter yes");
  auto verified = orionctl({"audit", "verify", "--service", "consensus"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

}  // namespace
}  // namespace orion::testing
