#include "services/consensus/command.h"

#include "common/fields.h"
#include "common/msg_writer.h"

namespace orion::consensus {

const char* to_string(CommandKind kind) {
  switch (kind) {
    case CommandKind::PROPOSE: return "PROPOSE";
    case CommandKind::VOTE: return "VOTE";
    case CommandKind::TICK: return "TICK";
    case CommandKind::ACQUIRE: return "ACQUIRE";
    case CommandKind::RENEW: return "RENEW";
    case CommandKind::RELEASE: return "RELEASE";
    case CommandKind::HELLO: return "HELLO";
    default: return "UNKNOWN";
  }
}

// Written straight as msgpack: one per accepted request, on the hot path.
std::string encode_command(const Command& c) {
  MsgWriter w;
  w.map(c.signature_checked ? 7 : 6);
  w.key("k"), w.integer(static_cast<int>(c.kind));
  w.key("t"), w.integer(c.now_ms);
  w.key("r"), w.str(c.request_id);
  w.key("o"), w.str(c.origin);
  w.key("s"), w.integer(static_cast<std::int64_t>(c.seq));
  w.key("b"), w.json(c.body);
  if (c.signature_checked) w.key("v"), w.boolean(true);  // absent in logs written before it existed: false
  return w.take();
}

Result<Command> decode_command(std::string_view bytes) {
  auto v = decode_value(bytes.data(), bytes.size());
  if (!v) return v.error();
  if (!v->is_object()) return make_error(ErrorCode::MALFORMED, "command is not a map");
  Command c;
  std::int64_t kind = 0, seq = 0;
  Fields f(*v);
  f.integer("k", kind, Need::REQUIRED, 1, 7);
  f.integer("t", c.now_ms, Need::REQUIRED, 0, INT64_MAX);
  f.str("r", c.request_id, Need::OPTIONAL, 64);
  f.str("o", c.origin, Need::OPTIONAL);
  f.integer("s", seq, Need::OPTIONAL, 0, INT64_MAX);
  f.object("b", c.body, Need::OPTIONAL);
  f.boolean("v", c.signature_checked, Need::OPTIONAL);
  if (!f.ok()) return make_error(ErrorCode::MALFORMED, "command: " + f.error().message);
  c.kind = static_cast<CommandKind>(kind);
  c.seq = static_cast<std::uint64_t>(seq);
  return c;
}

}  // namespace orion::consensus
