// libFuzzer target: WorkflowSpec::from_json (common/workflow_spec.h) on a decoded body, and the
// reference finder and resolver on its value.
#include "common/workflow_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto value = orion::decode_value(data, size);
  if (!value) return 0;
  static_cast<void>(orion::WorkflowSpec::from_json(*value));
  if (orion::may_hold_refs(*value)) {
    static_cast<void>(orion::find_refs(*value, "input"));
    static_cast<void>(orion::resolve_refs(*value, "input", [&](const std::string&) { return &*value; }));
  }
  return 0;
}
