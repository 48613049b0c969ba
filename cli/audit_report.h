// What `orionctl audit verify` and orion-audit-verify print about a chain (common/audit_chain.h),
// and their exit code: 0 when it holds, 1 naming the first bad record.
//
//   return report_verification(records, json);   // "OK: 7 records, seq 1 to 7, the chain holds"
#pragma once

#include <vector>

#include "common/audit_chain.h"

namespace orion::cli {

// Runs verify_audit_chain over the records (in stored order) and prints the verdict: one line,
// or with json {"ok", "records", "first_seq", "last_seq"[, "bad_seq", "bad_index", "why"]}.
int report_verification(const std::vector<AuditRecord>& records, bool json);

}  // namespace orion::cli
