#include "services/scheduler/workflow_record.h"

#include "common/fields.h"

namespace orion::scheduler {

std::string workflow_id_for(std::uint64_t seq) { return "w" + std::to_string(seq); }

std::uint64_t workflow_seq_of(const std::string& id) {
  if (id.size() < 2 || id.size() > 17 || id[0] != 'w') return 0;
  std::uint64_t seq = 0;
  for (std::size_t i = 1; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9') return 0;
    seq = seq * 10 + static_cast<std::uint64_t>(id[i] - '0');
  }
  return seq;
}

std::string encode_workflow_record(const WorkflowRecord& r) {
  Json j{{"spec", r.spec.to_json()},
         {"t", r.task_seqs},
         {"s", static_cast<int>(r.state)},
         {"q", r.request_id},
         {"why", r.reason},
         {"run", r.run},
         {"rq", r.retry_request_id},
         {"rr", r.last_retried},
         {"c", r.created_ms},
         {"f", r.finished_ms}};
  return encode_value(j);
}

Result<WorkflowRecord> decode_workflow_record(std::uint64_t seq, std::string_view bytes) {
  auto corrupt = [&](const std::string& why) {
    return make_error(ErrorCode::INTERNAL, "stored workflow " + workflow_id_for(seq) + " is corrupt: " + why);
  };
  auto rec = decode_value(bytes.data(), bytes.size());
  if (!rec) return corrupt(rec.error().message);
  if (!rec->is_object() || !rec->contains("spec")) return corrupt("no spec");
  auto spec = WorkflowSpec::from_json((*rec)["spec"]);
  if (!spec) return corrupt(spec.error().message);
  WorkflowRecord r;
  r.seq = seq;
  r.spec = std::move(*spec);
  std::int64_t state = 0;
  Fields f(*rec);
  f.integer("s", state, Need::REQUIRED, 1, 4);
  f.str("q", r.request_id, Need::OPTIONAL, 1024);
  f.str("why", r.reason, Need::OPTIONAL, kMaxInputBytes);
  f.integer("run", r.run, Need::OPTIONAL, 1, INT64_MAX);
  f.str("rq", r.retry_request_id, Need::OPTIONAL, 1024);
  f.str_list("rr", r.last_retried, Need::OPTIONAL, kMaxWorkflowSteps);
  f.integer("c", r.created_ms, Need::OPTIONAL, 0, INT64_MAX);
  f.integer("f", r.finished_ms, Need::OPTIONAL, 0, INT64_MAX);
  if (!f.ok()) return corrupt(f.error().message);
  r.state = static_cast<WorkflowState>(state);
  const Json& t = (*rec).contains("t") ? (*rec)["t"] : Json();
  if (!t.is_array() || t.size() != r.spec.steps.size()) return corrupt("not one task per step");
  for (const auto& s : t) {
    if (!s.is_number_unsigned()) return corrupt("bad task seq");
    r.task_seqs.push_back(s.get<std::uint64_t>());
  }
  return r;
}

}  // namespace orion::scheduler
