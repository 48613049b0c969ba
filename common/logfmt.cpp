#include "common/logfmt.h"

namespace orion {

std::string logfmt_value(std::string_view value) {
  bool plain = !value.empty();
  for (char c : value) plain = plain && logfmt_bare(c);
  if (plain) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out + '"';
}

}  // namespace orion
