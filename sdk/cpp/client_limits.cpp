// Client, limits: SET_LIMIT, DELETE_LIMIT, LIST_LIMITS (docs/protocol.md section 18).
#include "sdk/cpp/client.h"

namespace orion::sdk {

Result<LimitView> Client::set_limit(const SetLimit& rule) {
  // The request's own checks (pattern, bounds, a rate with its period) before it leaves.
  auto checked = SetLimit::from_body(rule.to_body());
  if (!checked) return checked.error();
  auto ok = ask<LimitOk>(MsgType::SET_LIMIT, checked->to_body());
  if (!ok) return ok.error();
  return std::move(ok->limit);
}

Result<DeleteLimitOk> Client::delete_limit(const std::string& pattern) {
  return ask<DeleteLimitOk>(MsgType::DELETE_LIMIT, DeleteLimit{pattern}.to_body());
}

Result<std::vector<LimitView>> Client::list_limits() {
  std::vector<LimitView> all;
  ListLimits page{1000, ""};
  while (true) {
    auto r = ask<LimitList>(MsgType::LIST_LIMITS, page.to_body());
    if (!r) return r.error();
    for (auto& v : r->limits) all.push_back(std::move(v));
    if (r->next.empty()) return all;
    page.after = r->next;
  }
}

}  // namespace orion::sdk
