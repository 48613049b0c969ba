#include "cli/audit_report.h"

#include <iostream>

#include "common/codec.h"

namespace orion::cli {

int report_verification(const std::vector<AuditRecord>& records, bool json) {
  auto bad = verify_audit_chain(records);
  const std::uint64_t first = records.empty() ? 0 : records.front().seq, last = records.empty() ? 0 : records.back().seq;
  if (json) {
    Json out = {{"ok", !bad}, {"records", records.size()}, {"first_seq", first}, {"last_seq", last}};
    if (bad) out["bad_seq"] = bad->seq, out["bad_index"] = bad->index, out["why"] = bad->why;
    std::cout << out.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
  } else if (bad) {
    std::cout << "BAD: record " << bad->seq << " (stored at position " << bad->index + 1 << " of " << records.size()
              << "): " << bad->why << "\n";
  } else {
    std::cout << "OK: " << records.size() << " records";
    if (!records.empty()) std::cout << ", seq " << first << " to " << last;
    std::cout << ", the chain holds\n";
  }
  return bad ? 1 : 0;
}

}  // namespace orion::cli
