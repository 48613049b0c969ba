// Random damage to an encoded body, for differential tests of decoders (batch_decode_test,
// task_list_decode_test): 1 to 4 edits, each flipping, dropping, inserting or truncating bytes.
#pragma once

#include <random>
#include <string>

namespace orion::testing {

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
