// Client, namespaces: SET_NAMESPACE, LIST_NAMESPACES, DELETE_NAMESPACE (docs/protocol.md section 19).
#include "sdk/cpp/client.h"

namespace orion::sdk {

Result<NamespaceView> Client::set_namespace(const std::string& ns, double weight, const std::string& on_exhausted) {
  SetNamespace m;
  m.ns = ns;
  m.weight = weight;
  m.on_exhausted = on_exhausted;
  // The wire's own checks (name, weight bounds, the two values) before it leaves.
  auto checked = SetNamespace::from_body(m.to_body());
  if (!checked) return checked.error();
  auto ok = ask<NamespaceOk>(MsgType::SET_NAMESPACE, checked->to_body());
  if (!ok) return ok.error();
  return std::move(ok->view);
}

Result<NamespaceList> Client::list_namespaces() {
  return ask<NamespaceList>(MsgType::LIST_NAMESPACES, Json::object());
}

Result<NamespaceView> Client::delete_namespace(const std::string& ns) {
  if (auto s = check_namespace(ns, "namespace"); !s) return s.error();
  auto ok = ask<NamespaceOk>(MsgType::DELETE_NAMESPACE, DeleteNamespace{ns}.to_body());
  if (!ok) return ok.error();
  return std::move(ok->view);
}

}  // namespace orion::sdk
