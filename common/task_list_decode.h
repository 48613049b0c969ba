// task_list_from_packed: a TASK_LIST body (the answer to WAIT_TASKS and LIST_TASKS) read straight
// from its msgpack objects into TaskViews, without the Json tree that decode_value +
// TaskList::from_body build and free again (for a 500-task WAIT_TASKS answer most of a client's
// CPU went there).
//
//   Incoming in;   // received with keep_packed selecting TASK_LIST
//   auto list = task_list_from_packed(in.envelope->packed_body);   // Result<TaskList>
//
// It MUST accept and refuse exactly what decode_value, the "is it a map" check of
// decode_frame_views, then TaskList::from_body do, with the same first error (code and
// message); tests/unit/common/task_list_decode_test.cpp compares the two on valid bodies and
// on thousands of mutated ones. Free-form values (input, metadata, output, gate) become Json.
#pragma once

#include <string_view>

#include "common/messages.h"
#include "common/msgpack_object.h"

namespace orion {

Result<TaskList> task_list_from_packed(std::string_view body);

// One TaskView read from its msgpack object, as TaskView::from_json reads the same value as
// Json (the scheduler's stored task records use it too). The object must have passed
// check_object (unpack_map_body does that for a whole body).
Result<TaskView> task_view_from_object(const msgpack::object& o);

}  // namespace orion
