// Replies that would pass the body limit (16 MiB, protocol.md section 9) are paged or truncated
// with a marker instead of failing: a task list or an agent list with a few large inputs or
// labels must still reach `orionctl list`, `orionctl agents` and a proposer.
//
//   std::string body = fit_list_reply(list.to_body(), kTaskPage);   // packed, <= kMaxReplyBytes
//   send(packed_envelope(MsgType::TASK_LIST, rid, std::move(body)));
//
// A list reply is a map whose `field` holds an array of items. When it fits it is sent as is
// (one encoding: what sending costs anyway). When it does not:
// - items are kept whole, in order, while they fit;
// - paged lists (LIST_TASKS): the page ends there and `next` names the last item kept, so the
//   client's next page starts after it. A first item that alone is over is sent slimmed and
//   named in `truncated`;
// - complete lists (WAIT_TASKS' answer, AGENT_LIST): every further item is sent slimmed (its
//   large parts left out: a task's input, metadata, output, error and history; an agent's
//   labels), its id in `truncated`; items that do not fit even so are left out, counted in
//   `omitted`.
// A reader re-reads a truncated item on its own (GET_TASK) for the full value.
#pragma once

#include <cstddef>
#include <string>

#include "common/codec.h"

namespace orion {

// The largest reply body sent: the 16 MiB body and frame limits, less room for the other frames.
inline constexpr std::size_t kMaxReplyBytes = (16u << 20) - (64u << 10);

struct ListShape {
  const char* field;     // the array: "tasks", "agents"
  const char* id_field;  // each item's id: "task_id", "agent_id"
  void (*slim)(Json& item);
  bool paged;            // true: end the page (`next`); false: slim the rest
};

void slim_task_view(Json& view);
void slim_agent_view(Json& agent);

inline constexpr ListShape kTaskPage{"tasks", "task_id", slim_task_view, true};     // LIST_TASKS
inline constexpr ListShape kTaskGroup{"tasks", "task_id", slim_task_view, false};   // WAIT_TASKS
inline constexpr ListShape kAgentList{"agents", "agent_id", slim_agent_view, false};  // AGENT_LIST

// `body` packed, fitted to `limit` as described above.
std::string fit_list_reply(Json body, const ListShape& shape, std::size_t limit = kMaxReplyBytes);
// An already packed list reply: returned as is when it fits (no decoding), else fitted.
std::string fit_packed_list_reply(std::string packed, const ListShape& shape, std::size_t limit = kMaxReplyBytes);

}  // namespace orion
