#include "common/task_pack.h"

#include "common/field_rows.h"

namespace orion {

std::string pack_task_info(const TaskView& v) {
  MsgWriter w;
  w.map(1);
  w.key("task");
  v.write_packed(w);
  return w.take();
}

std::string pack_task_list(std::size_t count, const std::function<void(MsgWriter&, std::size_t)>& pack_view) {
  MsgWriter w;
  w.reserve(512 * count);
  w.map(2);
  w.key("tasks"), w.array(count);
  for (std::size_t i = 0; i < count; ++i) pack_view(w, i);
  w.key("next"), w.str("");
  return w.take();
}

std::string pack_assign(const TaskView& v, const std::vector<std::pair<std::string, const Json*>>& deps) {
  return pack_assign(v.task_id, v.attempt, v.spec, v.spec.input, deps);
}

std::string pack_assign(const std::string& task_id, std::int64_t attempt, const TaskSpec& spec, const Json& input,
                        const std::vector<std::pair<std::string, const Json*>>& deps) {
  MsgWriter w;
  w.map(deps.empty() ? 6 : 7);
  w.key("task_id"), w.str(task_id);
  w.key("attempt"), w.integer(attempt);
  w.key("type"), w.str(spec.type);
  w.key("input"), w.json(input);
  w.key("metadata"), w.json(null_as_object(spec.metadata));  // as TaskSpec writes it
  w.key("timeout_ms"), w.integer(spec.timeout_ms);
  if (!deps.empty()) {
    w.key("deps"), w.map(deps.size());
    for (const auto& d : deps) w.key(d.first), w.json(*d.second);
  }
  return w.take();
}

std::string pack_event(const std::string& topic, const std::string& publisher, std::uint64_t epoch, std::uint64_t seq,
                       std::int64_t ts_ms, std::string_view packed_data) {
  MsgWriter w;
  w.map(epoch != 0 ? 6 : 5);
  w.key("topic"), w.str(topic);
  w.key("publisher"), w.str(publisher);
  if (epoch != 0) w.key("epoch"), w.integer(static_cast<std::int64_t>(epoch));
  w.key("seq"), w.integer(static_cast<std::int64_t>(seq));
  w.key("ts_ms"), w.integer(ts_ms);
  w.key("data"), w.raw(packed_data);
  return w.take();
}

std::string pack_submit_batch_ok(const SubmitBatchOk& ok) {
  MsgWriter w;
  w.map(2);  // keys in the order nlohmann writes them: the bytes are those of to_body()
  w.key("duplicate"), w.boolean(ok.duplicate);
  w.key("task_ids"), w.map(ok.task_ids.size());
  for (const auto& [key, id] : ok.task_ids) w.str(key), w.str(id);
  return w.take();
}

}  // namespace orion
