#include "services/registry/registry_service.h"

#include <cerrno>
#include <chrono>
#include <exception>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/ids.h"
#include "common/logfmt.h"
#include "common/reply_bound.h"
#include "common/service_security.h"

namespace orion::registry {

namespace {

// Messages served per loop turn before liveness is checked again: bounds how late a DOWN is
// noticed under a flood (256 small requests take well under a millisecond).
constexpr int kMaxBatch = 256;

// Which endpoints each announcing service must give; last writer wins.
const std::map<std::string, std::vector<std::string>>& announce_schema() {
  static const std::map<std::string, std::vector<std::string>> schema = {
      {"scheduler", {"client", "agent"}},
      {"consensus", {"client"}},
  };
  return schema;
}

// A misbehaving peer can send millions of bad frames; log the first few and then every 1000th,
// always with the running count, so the log shows the rate without being flooded.
bool sampled(std::uint64_t count) { return count <= 10 || count % 1000 == 0; }

// ROUTER identities are binary; logs get hex.
std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xf]);
  }
  return out;
}

// Request ids and decode errors can carry any bytes a peer sent; logs get them escaped, capped.
std::string printable(const std::string& bytes) {
  constexpr std::size_t kMaxLoggedBytes = 96;
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < kMaxLoggedBytes; ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0xf]);
    }
  }
  if (bytes.size() > kMaxLoggedBytes) out += "...";
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

Json agent_event_data(const AgentSpec& spec) {
  return {{"agent_id", spec.agent_id},
          {"capabilities", spec.capabilities},
          {"capacity", spec.capacity},
          {"weight", spec.weight},
          {"labels", spec.labels}};
}

}  // namespace

std::string RegistryEndpoints::to_json() const {
  return Json{{"registry", registry}, {"events_pub", events_pub}, {"events_sub", events_sub}, {"metrics", metrics}}.dump();
}

RegistryService::RegistryService(RegistryConfig config, const Clock& clock)
    : config_(std::move(config)),
      clock_(clock),
      bus_(ctx_, config_.bind_events_pub, config_.bind_events_sub),
      router_(make_socket(ctx_, zmq::socket_type::router)),
      publisher_(ctx_, bus_.inproc_endpoint(), "registry", clock_),
      directory_(clock_, config_.heartbeat_ms, config_.liveness),
      replicas_(clock_, config_.replica_expiry_ms),
      instance_(random_hex(8)),
      started_ms_(clock_.wall_ms()) {
  endpoints_.registry = advertised_endpoint(bind_socket(router_, config_.bind), config_.advertise_host);
  endpoints_.events_pub = advertised_endpoint(bus_.pub_endpoint(), config_.advertise_host);
  endpoints_.events_sub = advertised_endpoint(bus_.sub_endpoint(), config_.advertise_host);
  if (auto s = start_metrics_endpoint(http_, config_.metrics); !s) throw std::runtime_error(s.error().message);
  endpoints_.metrics = metrics_url(http_, config_.metrics);
}

RegistryService::~RegistryService() {
  stop();
  bus_.stop();  // before the sockets and the context go
}

void RegistryService::run() {
  zmq::pollitem_t items[] = {{router_.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, http_.fd(), ZMQ_POLLIN, 0}};
  const auto timeout = std::chrono::milliseconds(config_.poll_ms);
  while (!stop_requested_.load()) {
    try {
      zmq::poll(items, http_.fd() >= 0 ? 2 : 1, timeout);
      if (items[0].revents & ZMQ_POLLIN) serve_batch();
      if (items[1].revents & ZMQ_POLLIN) http_.serve([this](const HttpRequest& r) { return http(r); });
      check_liveness();
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;  // a signal: the loop condition decides
      if (e.num() == ETERM) return;
      spdlog::warn("event=loop_error error={}", orion::logfmt_value(e.what()));
    } catch (const std::exception& e) {
      spdlog::warn("event=loop_error error={}", orion::logfmt_value(e.what()));
    }
  }
}

void RegistryService::serve_batch() {
  for (int i = 0; i < kMaxBatch; ++i) {
    Incoming in;
    if (!receive(router_, in, /*routed=*/true)) return;
    try {
      handle(in);
    } catch (const std::exception& e) {
      // A bug, not the peer's fault; the peer still gets an answer and the loop goes on.
      spdlog::warn("event=handler_failed peer={} request={} error={}", hex(in.identity), printable(in.request_id),
                   orion::logfmt_value(printable(e.what())));
      if (!send_error(router_, in.identity, in.request_id, make_error(ErrorCode::INTERNAL, e.what()))) {
        count_send_failure("reply", hex(in.identity));
      }
    }
  }
}

void RegistryService::handle(const Incoming& in) {
  Result<Envelope> out = in.envelope ? dispatch(*in.envelope, in.principal) : Result<Envelope>(in.envelope.error());
  if (out) {
    reply(in.identity, *out);
    return;
  }
  // Frames that do not decode, types we do not serve and invalid fields are a misbehaving peer;
  // NOT_FOUND (a heartbeat after a registry restart, say) is an ordinary answer, logged at debug.
  const Error& err = out.error();
  if (err.code != ErrorCode::NOT_FOUND) {
    ++rejected_;
    if (sampled(rejected_)) {
      spdlog::warn("event=request_rejected peer={} request={} error={} rejected_total={}", hex(in.identity),
                   printable(in.request_id), orion::logfmt_value(printable(err.to_string())), rejected_);
    }
  } else {
    spdlog::debug("event=request_failed peer={} request={} error={}", hex(in.identity),
                  printable(in.request_id), orion::logfmt_value(printable(err.to_string())));
  }
  reply(in.identity, error_envelope(in.request_id, err));
}

namespace {

// What a registry request asks of the policy (service_security.h): registering, heartbeating and
// leaving as an agent id, announcing a service, or reading.
std::pair<Action, Asked> registry_ask(const Envelope& request) {
  Asked asked;
  switch (request.type) {
    case MsgType::REGISTER:
      if (auto m = Register::from_body(request.body)) asked.agent_id = m->agent.agent_id, asked.capabilities = m->agent.capabilities;
      return {Action::AGENT, asked};
    case MsgType::HEARTBEAT:
      if (auto m = Heartbeat::from_body(request.body)) asked.agent_id = m->agent_id;
      return {Action::AGENT, asked};
    case MsgType::DEREGISTER:
      if (auto m = Deregister::from_body(request.body)) asked.agent_id = m->agent_id;
      return {Action::AGENT, asked};
    case MsgType::ANNOUNCE:
      return {Action::ANNOUNCE, asked};
    default:
      return {Action::READ, asked};
  }
}

}  // namespace

Result<Envelope> RegistryService::dispatch(const Envelope& request, const std::string& principal) {
  if (service_policy()) {
    const auto [action, asked] = registry_ask(request);
    if (auto s = authorize(principal, action, asked); !s) return s.error();
    // HEARTBEAT and DEREGISTER of an id another key holds (agent_claim.h); REGISTER checks it itself.
    if ((request.type == MsgType::HEARTBEAT || request.type == MsgType::DEREGISTER) && !asked.agent_id.empty()) {
      if (auto s = directory_.check_holder(asked.agent_id, principal, service_policy().get()); !s) return s.error();
    }
  }
  switch (request.type) {
    case MsgType::REGISTER: return on_register(request, principal);
    case MsgType::HEARTBEAT: return on_heartbeat(request);
    case MsgType::DEREGISTER: return on_deregister(request);
    case MsgType::LIST_AGENTS: return on_list_agents(request);
    case MsgType::ANNOUNCE: return on_announce(request);
    case MsgType::DISCOVER: return on_discover(request);
    case MsgType::CLUSTER_STATUS: return on_cluster_status(request);
    default:
      return make_error(ErrorCode::UNKNOWN_TYPE,
                        std::string("message type ") + to_string(request.type) + " is not served by the registry");
  }
}

Result<Envelope> RegistryService::on_register(const Envelope& request, const std::string& principal) {
  auto m = Register::from_body(request.body);
  if (!m) return m.error();
  const AgentSpec& spec = m->agent;
  // The identity rule (agent_claim.h): another key's id, or another process's live one, is refused.
  auto outcome = directory_.register_agent(spec, AgentClaim{spec.agent_id, principal, m->instance}, service_policy().get());
  if (!outcome) {
    spdlog::warn("event=register_refused agent={} principal={} code={}", printable(spec.agent_id),
                 principal.empty() ? "-" : printable(principal), to_string(outcome.error().code));
    return outcome.error();
  }
  spdlog::info("event={} agent={} capabilities={} capacity={} weight={}",
               outcome->replaced ? "agent_replaced" : "agent_registered", printable(spec.agent_id),
               printable(join(spec.capabilities)),
               spec.capacity, spec.weight);
  publish(outcome->replaced ? "agent.replaced" : "agent.registered", agent_event_data(spec));
  RegisterOk ok;
  ok.heartbeat_ms = directory_.heartbeat_ms();
  ok.liveness = directory_.liveness();
  ok.replaced = outcome->replaced;
  return Envelope{MsgType::REGISTER_OK, request.request_id, ok.to_body()};
}

Result<Envelope> RegistryService::on_heartbeat(const Envelope& request) {
  auto m = Heartbeat::from_body(request.body);
  if (!m) return m.error();
  Status s = directory_.heartbeat(m->agent_id, m->load, m->resources);
  if (!s) return s.error();
  return Envelope{MsgType::HEARTBEAT_OK, request.request_id, Json::object()};
}

Result<Envelope> RegistryService::on_deregister(const Envelope& request) {
  auto m = Deregister::from_body(request.body);
  if (!m) return m.error();
  Status s = directory_.deregister(m->agent_id);
  if (!s) return s.error();
  spdlog::info("event=agent_deregistered agent={}", printable(m->agent_id));
  publish("agent.deregistered", {{"agent_id", m->agent_id}});
  return Envelope{MsgType::DEREGISTER_OK, request.request_id, Json::object()};
}

Result<Envelope> RegistryService::on_list_agents(const Envelope& request) {
  AgentList list{directory_.list()};
  // Past the body limit, agents' labels are left out and named in `truncated` (reply_bound.h).
  return packed_envelope(MsgType::AGENT_LIST, request.request_id, fit_list_reply(list.to_body(), kAgentList));
}

Result<Envelope> RegistryService::on_announce(const Envelope& request) {
  auto m = Announce::from_body(request.body);
  if (!m) return m.error();
  auto schema = announce_schema().find(m->service);
  if (schema == announce_schema().end()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'service': must be 'scheduler' or 'consensus'");
  }
  // Keep only the endpoints we hand out, so extra keys neither leak nor count as a change.
  std::map<std::string, std::string> endpoints;
  for (const auto& key : schema->second) {
    auto it = m->endpoints.find(key);
    if (it == m->endpoints.end() || it->second.empty()) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "field 'endpoints." + key + "': is required for " + m->service);
    }
    endpoints[key] = it->second;
  }
  Announce said = *m;
  said.endpoints = std::move(endpoints);
  const std::string role = said.role.empty() ? "single" : said.role;
  auto outcome = replicas_.announce(std::move(said));
  if (!outcome) return outcome.error();
  if (outcome->added || outcome->leader_changed) {
    auto leader = endpoints_of(m->service);
    spdlog::info("event=service_announced service={} id={} role={} term={} added={} leader_changed={} leader_client={}",
                 m->service, m->id, role, m->term, outcome->added, outcome->leader_changed,
                 printable(leader.count("client") ? leader["client"] : "-"));
  }
  return Envelope{MsgType::ANNOUNCE_OK, request.request_id, discovery().to_body()};
}

Result<Envelope> RegistryService::on_discover(const Envelope& request) {
  return Envelope{MsgType::DISCOVERY, request.request_id, discovery().to_body()};
}

Result<Envelope> RegistryService::on_cluster_status(const Envelope& request) {
  ClusterInfo info;
  info.registry = endpoints_.registry;
  info.events_pub = endpoints_.events_pub;
  info.events_sub = endpoints_.events_sub;
  info.instance = instance_;
  info.started_ms = started_ms_;
  for (const auto& a : directory_.list()) info.agents_up += a.state == "UP";
  info.scheduler = replicas_.views("scheduler");
  info.consensus = replicas_.views("consensus");
  return Envelope{MsgType::CLUSTER_INFO, request.request_id, info.to_body()};
}

std::map<std::string, std::string> RegistryService::endpoints_of(const std::string& service) const {
  const ReplicaTable::Replica* leader = replicas_.leader(service);
  return leader ? leader->said.endpoints : std::map<std::string, std::string>{};
}

Discovery RegistryService::discovery() const {
  auto endpoint = [this](const char* service, const char* key) -> std::string {
    auto endpoints = endpoints_of(service);
    auto e = endpoints.find(key);
    return e == endpoints.end() ? std::string() : e->second;
  };
  Discovery d;
  d.scheduler_client = endpoint("scheduler", "client");
  d.scheduler_agent = endpoint("scheduler", "agent");
  d.consensus = endpoint("consensus", "client");
  d.events_pub = endpoints_.events_pub;
  d.events_sub = endpoints_.events_sub;
  return d;
}

void RegistryService::check_liveness() {
  auto expiry = directory_.expire();
  for (const auto& down : expiry.down) {
    spdlog::info("event=agent_down agent={} last_seen_ms={} down_after_ms={}", printable(down.agent_id),
                 down.last_seen_wall_ms, directory_.down_after_ms());
    publish("agent.down", {{"agent_id", down.agent_id}, {"last_seen_ms", down.last_seen_wall_ms}});
  }
  for (const auto& id : expiry.forgotten) spdlog::info("event=agent_forgotten agent={}", printable(id));
  for (const auto& gone : replicas_.expire()) {
    spdlog::info("event=replica_expired replica={} expire_after_ms={}",
                 orion::logfmt_value(printable(gone)), replicas_.expire_after_ms());
  }
}

void RegistryService::reply(const std::string& identity, const Envelope& envelope) {
  if (!send_envelope(router_, identity, envelope)) count_send_failure("reply", hex(identity));
}

void RegistryService::publish(const std::string& topic, Json data) {
  if (!publisher_.publish(topic, std::move(data))) count_send_failure("event", topic);  // our own topics: printable
}

void RegistryService::count_send_failure(const char* what, const std::string& detail) {
  auto n = ++send_failures_;
  if (sampled(n)) spdlog::warn("event=send_failed kind={} to={} send_failures_total={}", what, detail, n);
}

}  // namespace orion::registry
