// DashboardService's answers to the HTTP API (docs/dashboard.md): reads from the view, a live
// GET_TASK / GET_WORKFLOW / GET_PROPOSAL for one object, and the operator actions.
#include <spdlog/spdlog.h>

#include "common/config.h"
#include "common/logfmt.h"
#include "common/transport_security.h"
#include "services/dashboard/dashboard_service.h"

namespace orion::dashboard {

namespace {

constexpr std::size_t kMaxIdBytes = 128;

// "/api/tasks/t1/cancel" with prefix "/api/tasks/" -> {"t1", "cancel"}; the id "" when the
// path is not under the prefix.
std::pair<std::string, std::string> id_and_verb(const std::string& path, const std::string& prefix) {
  if (path.rfind(prefix, 0) != 0) return {};
  std::string rest = path.substr(prefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string::npos) return {rest, ""};
  return {rest.substr(0, slash), rest.substr(slash + 1)};
}

// An id as the services make them: printable ASCII, no '/', bounded.
Status check_id(const std::string& what, const std::string& id) {
  bool ok = !id.empty() && id.size() <= kMaxIdBytes;
  for (char c : id) ok = ok && c > ' ' && c < 127 && c != '/';
  if (!ok) return make_error(ErrorCode::INVALID_ARGUMENT, what + ": not an id (1 to 128 printable characters)");
  return {};
}

}  // namespace

ApiAnswer DashboardService::answer(const ApiRequest& r) {
  if (r.method == "POST") return act(r);
  const std::string& p = r.path;
  if (p == "/api/agents") return api_json(view_.agents());
  if (p == "/api/tasks") {
    auto filter = task_filter_from_query(r.query);
    if (!filter) return api_error(filter.error());
    return api_json(view_.tasks(*filter));
  }
  if (p == "/api/workflows") return api_json(view_.workflows());
  if (p == "/api/proposals") return api_json(view_.proposals());
  if (p == "/api/cluster") return api_json(view_.cluster());
  if (p == "/api/stats") return api_json(view_.stats());
  if (p == "/api/events/recent") return api_json(view_.events());
  if (p == "/api/status") {
    return api_json(Json{{"version", orion_version()},
                         {"registry", config_.registry},
                         {"buses", buses_},
                         {"curve", transport_security().enabled()},
                         {"action_token", !config_.action_token.empty()},
                         {"sse_clients", http_.hub().clients()},
                         {"tasks_held", view_.task_count()}});
  }
  // One object, read now from its service (the view keeps what it reads).
  if (auto [id, verb] = id_and_verb(p, "/api/tasks/"); !id.empty() && verb.empty()) {
    if (auto s = check_id("task", id); !s) return api_error(s.error());
    auto t = client_.status(id);
    if (!t) return api_error(t.error());
    view_.set_task(*t);
    return api_json(task_detail_json(*t));
  }
  if (auto [id, verb] = id_and_verb(p, "/api/workflows/"); !id.empty() && verb.empty()) {
    if (auto s = check_id("workflow", id); !s) return api_error(s.error());
    auto w = client_.workflow_status(id);
    if (!w) return api_error(w.error());
    view_.set_workflow(*w);
    return api_json(workflow_json(*w));
  }
  if (auto [id, verb] = id_and_verb(p, "/api/proposals/"); !id.empty() && verb.empty()) {
    if (auto s = check_id("proposal", id); !s) return api_error(s.error());
    auto pr = client_.get_decision_status(id);
    if (!pr) return api_error(pr.error());
    view_.set_proposal(*pr);
    return api_json(proposal_json(*pr));
  }
  return api_error(ErrorCode::NOT_FOUND, "no such API: GET " + p.substr(0, 200));
}

// The operator's actions. The reply is the service's, or its error as it gave it (a
// dashboard whose key the policy allows only `reader` gets PERMISSION_DENIED here).
ApiAnswer DashboardService::act(const ApiRequest& r) {
  const std::string& p = r.path;
  auto done = [&](const char* action, const std::string& id, auto&& result) -> ApiAnswer {
    if (!result) {
      spdlog::info("event=action_refused action={} id={} code={} error={}", action, id,
                   to_string(result.error().code), orion::logfmt_value(result.error().message));
      return api_error(result.error());
    }
    spdlog::info("event=action action={} id={}", action, id);
    return api_json(result->to_body());
  };
  if (auto [id, verb] = id_and_verb(p, "/api/tasks/"); !id.empty() && verb == "cancel") {
    if (auto s = check_id("task", id); !s) return api_error(s.error());
    return done("cancel_task", id, client_.cancel(id, "cancelled from the dashboard"));
  }
  if (auto [id, verb] = id_and_verb(p, "/api/workflows/"); !id.empty() && (verb == "retry" || verb == "cancel")) {
    if (auto s = check_id("workflow", id); !s) return api_error(s.error());
    if (verb == "retry") return done("retry_workflow", id, client_.retry_workflow(id));
    return done("cancel_workflow", id, client_.cancel_workflow(id, "cancelled from the dashboard"));
  }
  if (auto [id, verb] = id_and_verb(p, "/api/agents/"); !id.empty() && verb == "drain") {
    if (auto s = check_id("agent", id); !s) return api_error(s.error());
    return done("drain_agent", id, client_.drain(id));
  }
  return api_error(ErrorCode::NOT_FOUND, "no such action: POST " + p.substr(0, 200));
}

}  // namespace orion::dashboard
