// Reads `orionctl submit --batch FILE.json`: a JSON array of task objects, one BatchEntry each.
//
//   [{"key": "collect", "type": "echo", "priority": "high", "timeout": 2.5},
//    {"key": "train", "type": "echo", "priority": 4, "depends_on": ["collect"], "retries": 2,
//     "backoff": {"kind": "exponential", "initial": 0.5, "max": 30, "jitter": 0.1}}]
//
//   auto entries = parse_batch(text);      // Result<std::vector<BatchEntry>>
//   if (!entries) die(entries.error());    // INVALID_ARGUMENT: "entry 1 (key 'train'): field 'priority': ..."
//
// Fields of an entry: `key` (required, unique in the file), `type` (required), `name`,
// `capabilities`, `priority` (a name like "high" or a number 1..5), `timeout` (a duration:
// "30s", "500ms", "5m", or a number of seconds; 0 = none), `retries`, `input`, `metadata` (an object), `depends_on` (keys
// of the file or ids of existing tasks: passed through as written, the scheduler resolves
// them), `prefer`, `exclude` (agent ids), `backoff` ("fixed", "exponential", or an object
// {kind, initial, max, multiplier, jitter} with durations), `idempotency_key`,
// `unschedulable_timeout` (a duration). Unknown fields are refused, so a typo is not silently
// ignored. Only the shape is checked here; the scheduler checks the rest (cycles, unknown
// dependencies, sizes) and refuses the whole batch.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/messages.h"

namespace orion::cli {

// Parses the file's text. Errors are INVALID_ARGUMENT, one line, naming the entry (index and,
// when known, key) and the field.
Result<std::vector<BatchEntry>> parse_batch(const std::string& text);

// The task fields of one object of a file (every field above but `key`) into `spec`; fields in
// `also_known` are the caller's to read and are not refused. nullopt, or the first problem as
// (field, why); the field is "" when the object itself is wrong. Workflow files read their
// steps with it (cli/workflow_file.h).
std::optional<std::pair<std::string, std::string>> read_task_fields(const Json& item, TaskSpec& spec,
                                                                    const std::set<std::string>& also_known = {});

// Seconds as people write them (fractions allowed) to milliseconds, rounded; nullopt when
// negative, not finite, or over kMaxTimeoutMs.
std::optional<std::int64_t> seconds_to_ms(double seconds);
// A duration in a batch or workflow file: text with its unit ("500ms", "30s", "5m", "1h", "1d"),
// or a number of seconds (what files said before units); nullopt for anything else, negative, or
// over kMaxTimeoutMs (a week). The error to show then is kDurationForms.
std::optional<std::int64_t> file_duration_ms(const Json& v);
inline constexpr const char* kDurationForms =
    "must be a duration with its unit (500ms, 30s, 5m, 1h) or a number of seconds, at most a week";

// A backoff kind by name: "fixed" or "exponential" (any case).
std::optional<BackoffKind> backoff_from_string(const std::string& name);

}  // namespace orion::cli
