// The event history on the wire: EVENT_HISTORY (122) / EVENT_HISTORY_OK (123), answered by
// orion-scheduler (client socket); docs/protocol.md section 16 is the specification.
// EventHistoryRequest and EventHistoryOk are generated from common/protocol.toml into
// common/gen/event_history_messages.{h,cpp} in the build tree; common/event_history.h makes the
// pages.
//
//   EventHistoryOk page = history.page(*EventHistoryRequest::from_body(body));
//   reply(MsgType::EVENT_HISTORY_OK, page.to_body());
#pragma once

#include "common/gen/event_history_messages.h"
