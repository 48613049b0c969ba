// orionctl audit: the audit log of orion-scheduler or orion-consensus (AUDIT_LIST,
// docs/protocol.md section 15), and its verification.
//
//   orionctl audit [--service scheduler|consensus] [--since SEQ|TIME] [--limit N] [--json]
//   orionctl audit verify [--service scheduler|consensus] [--json]   # every page, then the chain
//   orionctl audit verify --file data/scheduler/scheduler.db         # offline, from the file
//
// --since takes a record's seq (a plain number), a time (2026-12-05T18:00:00, UTC) or an age
// (30s, 10m, 2h, 7d: records from that long ago). verify exits 0 when the chain holds, 1 naming
// the first bad record (its seq and why) otherwise. --file reads a single scheduler's SQLite
// store read-only, without asking the service (for when the service itself is in doubt), with
// orion-audit-verify (cli/audit_verify_main.cpp).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <functional>
#include <iostream>

#include "cli/audit_report.h"
#include "cli/commands.h"
#include "cli/support.h"
#include "common/audit_log.h"
#include "common/clock.h"
#include "common/config.h"
#include "sdk/cpp/consensus_client.h"

namespace orion::cli {
namespace {

using Fetch = std::function<Result<AuditListOk>(const AuditList&)>;

// Runs fn with a way to fetch pages from the service --service names (the leader, followed).
template <class Fn>
int with_service(const cxxopts::ParseResult& args, Fn&& fn) {
  const std::string service = args["service"].as<std::string>();
  if (service != "scheduler" && service != "consensus") throw UsageError("--service must be scheduler or consensus");
  const std::int64_t timeout_ms = call_timeout_ms(args);
  auto decode_page = [](Result<Envelope> r) -> Result<AuditListOk> {
    if (!r) return r.error();
    return AuditListOk::from_body(r->body);
  };
  if (service == "consensus") {
    consensus::ConsensusClient cc(consensus_options(args));
    return fn(Fetch([&](const AuditList& q) { return decode_page(cc.call(MsgType::AUDIT_LIST, q.to_body(), timeout_ms)); }));
  }
  auto client = make_client(args);
  return fn(Fetch([&](const AuditList& q) { return decode_page(client.call(true, MsgType::AUDIT_LIST, q.to_body(), timeout_ms)); }));
}

// "2026-12-05 18:00:00.123Z"
std::string show_time(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

// --since: a seq, an ISO time (UTC) or an age; sets from_seq or since_ms.
void parse_since(const std::string& text, AuditList& q) {
  if (text.empty()) return;
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    q.from_seq = std::stoll(text);
    return;
  }
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) end = strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
  if (end && (*end == '\0' || (end[0] == 'Z' && end[1] == '\0'))) {
    q.since_ms = static_cast<std::int64_t>(timegm(&tm)) * 1000;
    return;
  }
  auto age = parse_duration_ms("since", text, 0, 100LL * 365 * 86'400'000);
  if (!age) throw UsageError("--since: a seq, a time (2026-12-05T18:00:00, UTC) or an age (10m, 2h, 7d)");
  q.since_ms = std::max<std::int64_t>(SystemClock().wall_ms() - *age, 0);
}

void print_record(const AuditEntry& e) {
  std::printf("%-8lld %-24s %-16s %-16s %-12s %-18s %s\n", static_cast<long long>(e.seq), show_time(e.time_ms).c_str(),
              e.principal.empty() ? "-" : e.principal.c_str(), e.action.c_str(),
              e.target.empty() ? "-" : e.target.c_str(), e.outcome.c_str(), e.detail.c_str());
}

int list(const cxxopts::ParseResult& args, const Fetch& fetch) {
  AuditList q;
  parse_since(args["since"].as<std::string>(), q);
  const std::int64_t want = args["limit"].as<std::int64_t>();
  if (want < 1) throw UsageError("--limit must be at least 1");
  std::vector<AuditEntry> records;
  AuditListOk last;
  while (static_cast<std::int64_t>(records.size()) < want) {
    q.limit = std::min<std::int64_t>(want - static_cast<std::int64_t>(records.size()), kMaxAuditPage);
    auto page = fetch(q);
    if (!page) return fail(page.error());
    for (auto& e : page->records) records.push_back(std::move(e));
    last = std::move(*page);
    if (last.next_seq == 0) break;
    q.from_seq = last.next_seq, q.since_ms = 0;
  }
  if (args.count("json")) {
    Json out = {{"records", Json::array()}, {"next_seq", last.next_seq}, {"first_seq", last.first_seq},
                {"last_seq", last.last_seq}, {"enabled", last.enabled}};
    for (const auto& e : records) out["records"].push_back(e.to_json());
    std::cout << text(out) << "\n";
    return 0;
  }
  if (!last.enabled) std::cout << "(the service runs with --audit off: nothing new is recorded)\n";
  std::printf("%-8s %-24s %-16s %-16s %-12s %-18s %s\n", "SEQ", "TIME", "PRINCIPAL", "ACTION", "TARGET", "OUTCOME", "DETAIL");
  for (const auto& e : records) print_record(e);
  if (last.next_seq != 0) std::cout << "(more: --since " << last.next_seq << ")\n";
  return 0;
}

// Every page, oldest first.
Result<std::vector<AuditRecord>> read_service(const Fetch& fetch) {
  std::vector<AuditRecord> records;
  AuditList q;
  q.limit = static_cast<std::int64_t>(kMaxAuditPage);
  for (;;) {
    auto page = fetch(q);
    if (!page) return page.error();
    for (const auto& e : page->records) records.push_back(audit_record(e));
    if (page->next_seq == 0) return records;
    q.from_seq = page->next_seq;
  }
}

int verify(const cxxopts::ParseResult& args, Result<std::vector<AuditRecord>> read) {
  if (!read) return fail(read.error());
  return report_verification(*read, args.count("json") > 0);
}

// --file: the store is read by orion-audit-verify, installed beside orionctl (it links SQLite,
// which orionctl, a client, does not: tests/layers), in this process's place.
int verify_file(const std::string& path, bool json) {
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return fail("cannot find orionctl's own directory");
  std::string tool(self, static_cast<std::size_t>(n));
  tool = tool.substr(0, tool.rfind('/') + 1) + "orion-audit-verify";
  std::vector<std::string> args{tool, path};
  if (json) args.push_back("--json");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(tool.c_str(), argv.data());
  return fail("cannot run " + tool + ": " + std::strerror(errno));
}

}  // namespace

int cmd_audit(int argc, char** argv) {
  return guarded([&] {
    const bool verifying = argc > 1 && std::string(argv[1]) == "verify";
    auto o = base_options(verifying ? "audit verify" : "audit",
                          verifying ? "Checks the audit log's hash chain; names the first bad record"
                                    : "The audit log: who changed what, when, and how it ended");
    o.add_options()("service", "scheduler or consensus", cxxopts::value<std::string>()->default_value("scheduler"));
    if (verifying) {
      o.add_options()("file", "a single scheduler's SQLite store, read offline (scheduler.db)",
                      cxxopts::value<std::string>()->default_value(""));
    } else {
      o.add_options()("since", "a seq, a time (2026-12-05T18:00:00, UTC) or an age (10m, 2h, 7d)",
                      cxxopts::value<std::string>()->default_value(""))(
          "limit", "records at most", cxxopts::value<std::int64_t>()->default_value("100"));
    }
    cxxopts::ParseResult args;
    if (verifying) --argc, ++argv;
    if (!parse(o, argc, argv, args)) return 0;
    if (verifying && !args["file"].as<std::string>().empty()) {
      return verify_file(args["file"].as<std::string>(), args.count("json") > 0);
    }
    return with_service(args, [&](const Fetch& fetch) {
      return verifying ? verify(args, read_service(fetch)) : list(args, fetch);
    });
  });
}

}  // namespace orion::cli
