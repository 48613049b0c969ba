#include "services/scheduler/audit_trail.h"

namespace orion::scheduler {
namespace {

constexpr std::size_t kDetailBytes = 200;  // an error's message is cut here in a record

std::string field(const Json& body, const char* key) {
  if (!body.is_object()) return {};
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string cut(std::string s) {
  if (s.size() > kDetailBytes) s.resize(kDetailBytes);
  return s;
}

}  // namespace

const char* audit_action(MsgType type) {
  switch (type) {
    case MsgType::SUBMIT: return "submit";
    case MsgType::SUBMIT_BATCH: return "submit_batch";
    case MsgType::CANCEL: return "cancel";
    case MsgType::REPRIORITIZE: return "reprioritize";
    case MsgType::DRAIN_AGENT: return "drain";
    case MsgType::WORKFLOW_RUN: return "workflow_run";
    case MsgType::CANCEL_WORKFLOW: return "workflow_cancel";
    case MsgType::RETRY_WORKFLOW: return "workflow_retry";
    case MsgType::RETRY_PARKED: return "parked_retry";
    case MsgType::DISCARD_PARKED: return "parked_discard";
    case MsgType::CHANGE_REPLICAS: return "change_replicas";
    case MsgType::ATTACH: return "register";
    case MsgType::DETACH: return "detach";
    default: return nullptr;
  }
}

AuditEvent audit_event(const Envelope& request, const Envelope* reply, std::string principal, std::int64_t time_ms,
                       std::string note) {
  AuditEvent ev;
  ev.time_ms = time_ms;
  ev.principal = std::move(principal);
  const char* action = audit_action(request.type);
  ev.action = action ? action : to_string(request.type);
  const Json& body = request.body;
  const bool failed = reply && reply->type == MsgType::ERROR;
  ev.outcome = "OK";
  if (failed) {
    const Error err = error_from_body(reply->body);
    ev.outcome = std::string(to_string(err.code));
    ev.detail = cut(err.message);
  }
  switch (request.type) {
    case MsgType::SUBMIT:
      if (reply && !failed) ev.target = field(reply->body, "task_id");
      if (!failed && body.is_object() && body.contains("task")) ev.detail = "type=" + cut(field(body["task"], "type"));
      break;
    case MsgType::CANCEL:
    case MsgType::REPRIORITIZE:
      ev.target = field(body, "task_id");
      if (!failed && request.type == MsgType::CANCEL) ev.detail = cut(field(body, "reason"));
      if (!failed && request.type == MsgType::REPRIORITIZE && body.is_object() && body.contains("priority") &&
          body["priority"].is_number_integer()) {
        ev.detail = "priority=" + std::to_string(body["priority"].get<std::int64_t>());
      }
      break;
    case MsgType::DRAIN_AGENT:
    case MsgType::DETACH:
      ev.target = field(body, "agent_id");
      break;
    case MsgType::ATTACH:
      if (body.is_object() && body.contains("agent")) ev.target = field(body["agent"], "agent_id");
      break;
    case MsgType::WORKFLOW_RUN:
      if (reply && !failed) ev.target = field(reply->body, "workflow_id");
      if (!failed && body.is_object() && body.contains("workflow")) ev.detail = "name=" + cut(field(body["workflow"], "name"));
      break;
    case MsgType::CANCEL_WORKFLOW:
    case MsgType::RETRY_WORKFLOW:
      ev.target = field(body, "workflow_id");
      break;
    case MsgType::RETRY_PARKED:
    case MsgType::DISCARD_PARKED:
      // The type, or the first id named (the count is the note).
      ev.target = field(body, "type");
      if (ev.target.empty() && body.is_object() && body.contains("task_ids") && body["task_ids"].is_array() &&
          !body["task_ids"].empty() && body["task_ids"][0].is_string()) {
        ev.target = cut(body["task_ids"][0].get<std::string>()) + (body["task_ids"].size() > 1 ? ",..." : "");
      }
      break;
    case MsgType::CHANGE_REPLICAS:
      if (body.is_object() && body.contains("id") && body["id"].is_number_integer()) {
        ev.target = std::to_string(body["id"].get<std::int64_t>());
      }
      if (!failed) ev.detail = cut(field(body, "op") + " " + field(body, "address"));
      break;
    default:
      break;
  }
  if (!failed && !note.empty()) ev.detail = std::move(note);
  return ev;
}

}  // namespace orion::scheduler
