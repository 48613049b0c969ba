#include "services/consensus/command.h"

#include "common/msg_writer.h"
#include "common/object_fields.h"

namespace orion::consensus {

using packed::as_json;
using packed::FieldSet;
using packed::Obj;
using packed::ObjFields;
using packed::text;

const char* to_string(CommandKind kind) {
  switch (kind) {
    case CommandKind::PROPOSE: return "PROPOSE";
    case CommandKind::VOTE: return "VOTE";
    case CommandKind::TICK: return "TICK";
    case CommandKind::ACQUIRE: return "ACQUIRE";
    case CommandKind::RENEW: return "RENEW";
    case CommandKind::RELEASE: return "RELEASE";
    case CommandKind::HELLO: return "HELLO";
    case CommandKind::AUDIT: return "AUDIT";
    default: return "UNKNOWN";
  }
}

// Written straight as msgpack: one per accepted request, on the hot path.
std::string logged_request_id(const std::string& principal, const std::string& request_id) {
  if (principal.empty() || request_id.empty()) return request_id;
  return std::to_string(principal.size()) + ":" + principal + ":" + request_id;
}

std::string encode_command(const Command& c) {
  MsgWriter w;
  w.map(6 + (c.signature_checked ? 1 : 0) + (c.principal.empty() ? 0 : 1));
  w.key("k"), w.integer(static_cast<int>(c.kind));
  w.key("t"), w.integer(c.now_ms);
  w.key("r"), w.str(c.request_id);
  w.key("o"), w.str(c.origin);
  w.key("s"), w.integer(static_cast<std::int64_t>(c.seq));
  w.key("b"), w.raw(c.body);  // a msgpack map already
  if (c.signature_checked) w.key("v"), w.boolean(true);  // absent in logs written before it existed: false
  if (!c.principal.empty()) w.key("p"), w.str(c.principal);
  return w.take();
}

// Read straight from the msgpack objects (obj_fields.h): a command is decoded on every replica
// for every request, so no Json tree. The body is packed again as its own msgpack bytes.
Result<Command> decode_command(std::string_view bytes) {
  auto h = unpack_value(bytes.data(), bytes.size(), default_limits());
  if (!h) return h.error();
  const Obj& o = h->get();
  if (auto s = check_object(o, 0, default_limits()); !s) return s.error();
  if (o.type != msgpack::type::MAP) return make_error(ErrorCode::MALFORMED, "command is not a map");
  static const char* const kNames[] = {"k", "t", "r", "o", "s", "b", "v", "p"};
  FieldSet<8> f(kNames, o);
  Command c;
  std::int64_t kind = 0, seq = 0;
  ObjFields r;
  r.integer("k", f.value[0], kind, Need::REQUIRED, 1, 8);
  r.integer("t", f.value[1], c.now_ms, Need::REQUIRED, 0, INT64_MAX);
  r.str("r", f.value[2], c.request_id, Need::OPTIONAL, kMaxLoggedRequestIdBytes);
  r.str("o", f.value[3], c.origin, Need::OPTIONAL);
  r.integer("s", f.value[4], seq, Need::OPTIONAL, 0, INT64_MAX);
  if (r.ok() && f.given(5) && f.value[5]->type != msgpack::type::MAP) {
    return make_error(ErrorCode::MALFORMED, "command: field 'b': must be a map");
  }
  r.boolean("v", f.value[6], c.signature_checked, Need::OPTIONAL);
  r.str("p", f.value[7], c.principal, Need::OPTIONAL);
  if (!r.ok()) return make_error(ErrorCode::MALFORMED, "command: " + r.error().message);
  if (f.given(5)) {
    msgpack::sbuffer body(bytes.size());  // the body is smaller than its command; msgpack's 8 KiB default
                                          // would make glibc consolidate its free lists on every command
    msgpack::pack(body, *f.value[5]);
    c.body.assign(body.data(), body.size());
  }
  c.kind = static_cast<CommandKind>(kind);
  c.seq = static_cast<std::uint64_t>(seq);
  return c;
}

}  // namespace orion::consensus
