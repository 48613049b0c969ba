#include "common/metrics_text.h"

#include <cmath>
#include <cstdio>

namespace orion {

void MetricsText::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  for (char c : help) {  // HELP escapes backslash and newline only
    if (c == '\\') out_ += "\\\\";
    else if (c == '\n') out_ += "\\n";
    else out_ += c;
  }
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void MetricsText::series(std::string_view name, std::string_view suffix, const Labels& labels, std::string_view le) {
  out_ += name;
  out_ += suffix;
  if (labels.empty() && le.empty()) return;
  out_ += '{';
  bool first = true;
  auto label = [&](std::string_view k, std::string_view v) {
    if (!first) out_ += ',';
    first = false;
    out_ += k;
    out_ += "=\"";
    for (char c : v) {
      if (c == '\\') out_ += "\\\\";
      else if (c == '"') out_ += "\\\"";
      else if (c == '\n') out_ += "\\n";
      else out_ += c;
    }
    out_ += '"';
  };
  for (const auto& [k, v] : labels) label(k, v);
  if (!le.empty()) label("le", le);
  out_ += '}';
}

void MetricsText::value(double v) {
  out_ += ' ';
  if (std::isnan(v)) {
    out_ += "NaN";
  } else if (std::isinf(v)) {
    out_ += v > 0 ? "+Inf" : "-Inf";
  } else if (v == std::floor(v) && std::fabs(v) < 9.007199254740992e15) {
    out_ += std::to_string(static_cast<std::int64_t>(v));
  } else {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out_ += buf;
  }
  out_ += '\n';
}

void MetricsText::sample(std::string_view name, const Labels& labels, double v) {
  series(name, "", labels, "");
  value(v);
}

void MetricsText::histogram(std::string_view name, const Labels& labels, const MetricHistogram::Snapshot& h) {
  char le[32];
  for (std::size_t i = 0; i < h.bounds.size(); ++i) {
    std::snprintf(le, sizeof le, "%g", h.bounds[i]);
    series(name, "_bucket", labels, le);
    value(static_cast<double>(h.cumulative[i]));
  }
  series(name, "_bucket", labels, "+Inf");
  value(static_cast<double>(h.count));
  series(name, "_sum", labels, "");
  value(h.sum);
  series(name, "_count", labels, "");
  value(static_cast<double>(h.count));
}

}  // namespace orion
