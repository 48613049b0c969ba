// Random identifiers: request ids, agent session ids.
#pragma once

#include <cstddef>
#include <string>

namespace orion {

// `bytes` random bytes as lower-case hex (2*bytes characters). Thread-safe.
std::string random_hex(std::size_t bytes);

}  // namespace orion
