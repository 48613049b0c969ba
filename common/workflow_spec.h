// A workflow as a client submits it: a name, a DAG of steps (each a task template), and an
// optional consensus gate. Checked whole before anything changes; every error names its
// location, e.g. `steps[2].input.rows: unknown step "colect"`. docs/workflows.md is the
// user-facing description; the CLI (YAML/JSON files), the SDKs and the scheduler share this.
//
//   auto spec = WorkflowSpec::from_json(body["workflow"]);   // Result<WorkflowSpec>, validated
//   if (!spec) return spec.error();                           // INVALID_ARGUMENT naming the place
//   for (auto& s : spec->steps) ...                           // s.name, s.task (a TaskSpec)
//
// References: a string anywhere in a step's input may hold `${steps.NAME.output}` or
// `${steps.NAME.output.PATH}` (PATH: dot-separated map keys or array indexes). NAME must be an
// ancestor of the step (reached through depends_on, directly or not). A string that is exactly
// one reference becomes the referenced value (any type); a reference inside longer text is
// replaced by the value's text (a string as it is, anything else as compact JSON). `$${`
// writes a literal `${`. References are resolved when the step's task is assigned.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/messages.h"

namespace orion {

inline constexpr std::size_t kMaxRefsPerStep = 1000;    // references in one step's input
inline constexpr std::size_t kMaxRefPathSegments = 32;  // segments after `.output`

struct WorkflowStep {
  std::string name;        // unique in the workflow; letters, digits, '_' and '-'
  TaskSpec task;           // the template; task.depends_on names steps, task.name == name
};

struct WorkflowSpec {
  std::string name;                  // required, <= 256 bytes; not unique (one file, many runs)
  std::vector<WorkflowStep> steps;   // 1..kMaxWorkflowSteps
  Json consensus;                    // null, or the gate (ConsensusGate::to_json, checked)
  // The workflow is kept this long after it ended, and so is each step that does not set its
  // own result_ttl_ms; -1 = the scheduler's retention. -1..kMaxRetentionMs.
  std::int64_t result_ttl_ms = -1;
  // The run's namespace (protocol.md section 19); from_json gives every step's task this one.
  std::string ns = "default";

  // {"name", "steps": [TaskSpec maps whose "name" is the step name], "consensus"?, "result_ttl_ms"?, "namespace"?}
  Json to_json() const;
  // Decodes and validates: step names (unique, well formed), depends_on (known steps, no
  // cycle: the message names it), no idempotency_key in a step, references (syntax, known
  // step, ancestor). INVALID_ARGUMENT naming the location on the first problem.
  static Result<WorkflowSpec> from_json(const Json& j);
};

// One `${steps.NAME.output...}` found in a step's input.
struct StepRef {
  std::string location;            // "steps[2].input.rows"
  std::string step;                // NAME
  std::vector<std::string> path;   // after `.output`
};

// Every reference in `input` (located under `where`, e.g. "steps[2].input"). Bad syntax is
// INVALID_ARGUMENT naming the location and the text.
Result<std::vector<StepRef>> find_refs(const Json& input, const std::string& where);

// `input` with every reference replaced by the value it names. `output_of` gives the output
// of a step by name (nullptr when unknown). An error (INVALID_ARGUMENT) names the location
// and the missing part of the path.
Result<Json> resolve_refs(const Json& input, const std::string& where,
                          const std::function<const Json*(const std::string& step)>& output_of);

// True when some string in `input` holds "${" (it may hold references).
bool may_hold_refs(const Json& input);

}  // namespace orion
