// The Prometheus text exposition format (0.0.4), as the services' /metrics endpoint writes it:
// each family once with its HELP and TYPE lines, then its samples; label values escaped
// (backslash, double quote, newline); histograms as cumulative `_bucket{le=...}` lines with
// `_sum` and `_count`. Names follow Prometheus's conventions (docs/metrics.md): `orion_` and the
// service, base units (`_seconds`, `_bytes`), `_total` for counters.
//
//   MetricsText m;
//   m.family("orion_scheduler_tasks", "gauge", "Tasks held, by state.");
//   m.sample("orion_scheduler_tasks", {{"state", "PENDING"}}, 12);
//   m.family("orion_scheduler_queue_wait_seconds", "histogram", "...");
//   m.histogram("orion_scheduler_queue_wait_seconds", {{"type", "echo"}}, waits.snapshot());
//   answer(m.text());
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/metric_histogram.h"

namespace orion {

class MetricsText {
 public:
  using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

  // Starts a family: `type` is counter, gauge or histogram.
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const Labels& labels, double value);
  void sample(std::string_view name, double value) { sample(name, {}, value); }
  // A histogram's buckets, sum and count under `name` (its family started first).
  void histogram(std::string_view name, const Labels& labels, const MetricHistogram::Snapshot& h);

  const std::string& text() const { return out_; }

 private:
  void series(std::string_view name, std::string_view suffix, const Labels& labels, std::string_view le);
  void value(double v);
  std::string out_;
};

}  // namespace orion
