#include "services/scheduler/agent_holder_record.h"

#include "common/msg_writer.h"
#include "common/object_fields.h"

namespace orion::scheduler {

std::string encode_agent_holder(const AgentHolderRecord& r) {
  MsgWriter w;
  w.map(2);
  w.key("a"), w.str(r.agent_id);
  w.key("p"), w.str(r.principal);
  return w.take();
}

Result<AgentHolderRecord> decode_agent_holder(std::string_view bytes) {
  auto corrupt = [](const std::string& why) {
    return make_error(ErrorCode::INTERNAL, "stored agent id binding is corrupt: " + why);
  };
  auto handle = packed::unpack_map_body(bytes, /*borrow=*/true);
  if (!handle) return corrupt(handle.error().message);
  static const char* const kNames[] = {"a", "p"};
  packed::FieldSet<2> f(kNames, handle->get());
  AgentHolderRecord r;
  for (int i = 0; i < 2; ++i) {
    if (!f.present[i] || f.value[i]->type != msgpack::type::STR || f.value[i]->via.str.size == 0) {
      return corrupt(std::string("field '") + kNames[i] + "' is not a non-empty string");
    }
  }
  r.agent_id.assign(f.value[0]->via.str.ptr, f.value[0]->via.str.size);
  r.principal.assign(f.value[1]->via.str.ptr, f.value[1]->via.str.size);
  return r;
}

}  // namespace orion::scheduler
