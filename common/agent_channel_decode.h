// The per-task messages of the scheduler's agent channel read straight from their msgpack
// objects, without a Json tree per message: ASSIGN on the agent's side, TASK_PROGRESS and
// TASK_RESULT on the scheduler's (each task brings one of each).
//
//   // received with keep_packed selecting ASSIGN: the body is in envelope.packed_body
//   auto a = assign_from_packed(in.envelope->packed_body);   // Result<Assign>
//
// Each MUST accept and refuse exactly what decode_value, the "is it a map" check of
// decode_frame_views, then the message's from_body do, with the same first error (code and
// message); tests/unit/common/agent_channel_decode_test.cpp compares the two on valid bodies and
// on thousands of mutated ones. Free-form values (input, metadata, deps, output) become Json.
#pragma once

#include <string_view>

#include "common/messages.h"

namespace orion {

Result<Assign> assign_from_packed(std::string_view body);
Result<TaskProgress> task_progress_from_packed(std::string_view body);
Result<TaskResult> task_result_from_packed(std::string_view body);

}  // namespace orion
