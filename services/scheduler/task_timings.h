// Queue waits and run times per task type as Prometheus histograms (the scheduler's /metrics
// page): a sample each time this replica assigns a task (its wait: assignment - ready) and each
// time a task it ran ends (its run: end - start). LiveStats::update feeds it from the changes it
// sees to a task it counted before, so a record restored at start-up or applied from the leader
// adds no sample: the histograms count what this process did, as counters do.
//
// Bounded: the first kMaxTypes task types have their own series; later ones share "other".
//
//   TaskTimings timings;
//   timings.wait("echo", 0.004);     // seconds
//   timings.write(metrics_text);     // both families, one series per type
#pragma once

#include <map>
#include <string>

#include "common/metric_histogram.h"
#include "common/metrics_text.h"

namespace orion::scheduler {

class TaskTimings {
 public:
  static constexpr std::size_t kMaxTypes = 64;

  void wait(const std::string& type, double seconds) { series(type).waits.observe(seconds); }
  void run(const std::string& type, double seconds) { series(type).runs.observe(seconds); }
  void write(MetricsText& m) const;

 private:
  struct Series {
    MetricHistogram waits{MetricHistogram::kLatencySeconds};
    MetricHistogram runs{MetricHistogram::kLatencySeconds};
  };
  Series& series(const std::string& type);
  std::map<std::string, Series> by_type_;  // at most kMaxTypes + 1 ("other")
};

}  // namespace orion::scheduler
