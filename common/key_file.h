// Key files: the `name = value` text files that hold a process's keys (CURVE key pairs,
// common/curve_keys.h; vote keys, common/vote_signature.h). `#` starts a comment; every other
// line is `name = value` with a name the caller allows, given once. A file holding a secret is
// written mode 0600 and refused when group or others may read it.
//
//   auto lines = read_key_file(path, {"public", "secret"}, is_z85_key, "40 characters of Z85");
//   if (lines) use((*lines)["secret"]);
//   write_key_file(path, "secret = ...\n", 0600);     // never overwrites
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace orion {

// Errors are INVALID_ARGUMENT "key file PATH: why".
Error bad_key_file(const std::string& path, const std::string& why);

// The file's `name = value` lines by name; refuses an unknown name, a value `valid` refuses
// (the message says it must be `what`), a name given twice, and a file over 4 KiB.
Result<std::map<std::string, std::string>> read_key_file(const std::string& path,
                                                         const std::vector<std::string>& names,
                                                         const std::function<bool(std::string_view)>& valid,
                                                         const std::string& what);

// Refuses a file that group or others may read (a secret key must be mode 0600).
Status check_secret_mode(const std::string& path);

// Writes `text` to a new file `path` (ALREADY_EXISTS if there is one) with `mode`, whatever the
// umask, and syncs it.
Status write_key_file(const std::string& path, const std::string& text, mode_t mode);

}  // namespace orion
