// Differential tests of the decoders that read msgpack directly (the generated from_packed of
// SUBMIT_BATCH, TASK_LIST, the agent channel and the consensus bodies) against the Json path:
//
//   EXPECT_EQ(outcome(SubmitBatch::from_packed(body)), outcome(reference<SubmitBatch>(body)));
//   for (...) { auto bad = mutate(body, rng); ... the same on bad ... }
#pragma once

#include <random>
#include <string>

#include "common/codec.h"
#include "common/status.h"

namespace orion::testing {

// The reference: the Json tree (decode_value), the "is it a map" check, then M::from_body.
template <class M>
Result<M> reference(const std::string& body) {
  auto v = decode_value(body.data(), body.size());
  if (!v) return v.error();
  if (!v->is_object()) return make_error(ErrorCode::MALFORMED, "body is not a msgpack map");
  return M::from_body(*v);
}

// A decode's outcome as text: the error's code and message, or the value's body.
template <class M>
std::string outcome(const Result<M>& r) {
  if (!r) return "error " + std::to_string(static_cast<int>(r.error().code)) + ": " + r.error().message;
  // Mutated bodies may hold invalid UTF-8, which dump() would refuse to print as is.
  return "ok " + r->to_body().dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Random damage to an encoded body: 1 to 4 edits, each flipping, dropping, inserting or
// truncating bytes.
inline std::string mutate(std::string body, std::mt19937_64& rng) {
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < edits && !body.empty(); ++k) {
    std::size_t at = rng() % body.size();
    switch (rng() % 4) {
      case 0: body[at] = static_cast<char>(rng() & 0xff); break;          // flip a byte
      case 1: body.erase(at, 1 + rng() % 3); break;                        // drop bytes
      case 2: body.insert(at, 1, static_cast<char>(rng() & 0xff)); break;  // insert one
      default: body.resize(at); break;                                     // truncate
    }
  }
  return body;
}

}  // namespace orion::testing
