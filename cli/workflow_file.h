// Reads a workflow file (`orionctl workflow run FILE`): YAML (.yaml, .yml) or JSON (.json), the
// same document either way, into a validated WorkflowSpec. docs/workflows.md describes it.
//
//   name: ml-pipeline
//   consensus: {type: unanimous, capability: approve, timeout: 30}   # optional gate
//   steps:
//     - name: collect
//       type: echo
//       capabilities: [data]
//       input: {rows: [1, 2, 3]}
//     - name: train
//       type: echo
//       depends_on: [collect]
//       input: {rows: "${steps.collect.output.rows}"}
//
//   auto spec = parse_workflow_file(text, "pipeline.yaml");   // Result<WorkflowSpec>
//   if (!spec) die(spec.error());  // INVALID_ARGUMENT: "steps[1].timeout: must be ..." or
//                                  // "pipeline.yaml:4:3: ..." for a YAML syntax error
//
// Step fields are the batch file's (cli/batch_file.h: priority by name, durations with their
// unit or in seconds, backoff, ...) with `name` for the step's name and `depends_on` naming
// steps; `key` and `idempotency_key` are refused. In `consensus`, `timeout` is a duration too
// (30s, 5m; a bare number is seconds; sent as timeout_ms).
#pragma once

#include <string>

#include "common/workflow_spec.h"

namespace orion::cli {

// `path` picks the syntax (.json is JSON; anything else is YAML, of which JSON is a subset)
// and names the file in syntax errors.
Result<WorkflowSpec> parse_workflow_file(const std::string& text, const std::string& path);

// A YAML document as a Json value: maps, sequences, and plain scalars typed as YAML 1.2's core
// schema does (null, true/false, integers, floats; anything else a string; quoted scalars are
// always strings). Nesting past 64 levels, anchors aside, is refused.
Result<Json> yaml_to_json(const std::string& text, const std::string& path);

}  // namespace orion::cli
