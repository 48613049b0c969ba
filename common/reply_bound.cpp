#include "common/reply_bound.h"

#include <utility>

namespace orion {

namespace {

constexpr std::size_t kMarkerRoom = 4096;  // the other fields, headers, `next`, `omitted`

std::size_t encoded_size(const Json& v) { return encode_value(v).size(); }

}  // namespace

void slim_task_view(Json& view) {
  // A TaskView holds its spec's fields at its top level (protocol.md section 5.1).
  view.erase("input");
  view.erase("metadata");
  if (view.contains("output")) view["output"] = nullptr;
  if (view.contains("error")) view["error"] = "";
  if (view.contains("history")) view["history"] = Json::array();
}

void slim_agent_view(Json& agent) {
  if (agent.contains("labels")) agent["labels"] = Json::object();
}

std::string fit_list_reply(Json body, const ListShape& shape, std::size_t limit) {
  std::string packed = encode_value(body);
  if (packed.size() <= limit || !body.is_object() || !body.contains(shape.field) || !body[shape.field].is_array()) {
    return packed;
  }
  Json items = std::move(body[shape.field]);
  body[shape.field] = Json::array();
  const std::size_t room = limit > kMarkerRoom ? limit - kMarkerRoom : 0;
  std::size_t used = encoded_size(body);
  Json kept = Json::array();
  Json truncated = Json::array();
  std::size_t i = 0;
  for (; i < items.size(); ++i) {  // whole items while they fit
    std::size_t n = encoded_size(items[i]);
    if (used + n > room) break;
    used += n;
    kept.push_back(std::move(items[i]));
  }
  std::size_t omitted = 0;
  auto add_slimmed = [&](Json item) {
    shape.slim(item);
    Json id = item.contains(shape.id_field) ? item[shape.id_field] : Json("");
    std::size_t n = encoded_size(item) + encoded_size(id);
    if (used + n > room) return false;
    used += n;
    truncated.push_back(std::move(id));
    kept.push_back(std::move(item));
    return true;
  };
  if (shape.paged) {
    if (kept.empty() && i < items.size()) {
      Json first = items[i];
      if (!add_slimmed(std::move(items[i]))) {
        // Over even slimmed: skipped (counted), so the next page does not ask for it again.
        omitted = 1;
        kept.push_back(Json{{shape.id_field, first.contains(shape.id_field) ? first[shape.id_field] : Json("")}});
        body["next"] = kept.back()[shape.id_field];
        kept = Json::array();
      }
      ++i;
    }
    if (!kept.empty() && i < items.size()) {
      const Json& last = kept.back();
      body["next"] = last.contains(shape.id_field) ? last[shape.id_field] : Json("");
    }
  } else {
    for (; i < items.size(); ++i) {
      if (!add_slimmed(std::move(items[i]))) break;
    }
    omitted = items.size() - i;
  }
  body[shape.field] = std::move(kept);
  if (!truncated.empty()) body["truncated"] = std::move(truncated);
  if (omitted > 0) body["omitted"] = omitted;
  return encode_value(body);
}

std::string fit_packed_list_reply(std::string packed, const ListShape& shape, std::size_t limit) {
  if (packed.size() <= limit) return packed;
  auto body = decode_value(packed.data(), packed.size(), [] {
    CodecLimits l;
    l.max_bytes = std::size_t{1} << 30;  // our own reply, past the wire's bound by construction
    return l;
  }());
  if (!body) return packed;
  return fit_list_reply(std::move(*body), shape, limit);
}

}  // namespace orion
