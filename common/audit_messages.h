// The audit log on the wire: AUDIT_LIST (120) / AUDIT_LIST_OK (121), answered by orion-scheduler
// (client socket) and the orion-consensus leader; docs/protocol.md section 15 is the
// specification. AuditEntry, AuditList and AuditListOk are generated from common/protocol.toml
// into common/gen/audit_messages.{h,cpp} in the build tree; common/audit_log.h makes the pages.
//
//   AuditListOk page = audit_log.list(*AuditList::from_body(body));
//   reply(MsgType::AUDIT_LIST_OK, page.to_body());
#pragma once

#include "common/gen/audit_messages.h"
