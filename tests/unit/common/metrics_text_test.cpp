// The Prometheus text format as MetricsText writes it, and MetricHistogram's buckets.
#include "common/metrics_text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace orion {
namespace {

TEST(MetricsText, FamilyThenSamplesWithEscapedLabelValues) {
  MetricsText m;
  m.family("orion_x_total", "counter", "Things\\counted,\nper kind.");
  m.sample("orion_x_total", {{"kind", "a\"b\\c\nd"}, {"k2", "v"}}, 3);
  m.sample("orion_x_total", 1.5);
  EXPECT_EQ(m.text(),
            "# HELP orion_x_total Things\\\\counted,\\nper kind.\n"
            "# TYPE orion_x_total counter\n"
            "orion_x_total{kind=\"a\\\"b\\\\c\\nd\",k2=\"v\"} 3\n"
            "orion_x_total 1.5\n");
}

TEST(MetricsText, SpecialValuesAndLargeIntegers) {
  MetricsText m;
  m.sample("a", std::numeric_limits<double>::infinity());
  m.sample("b", -std::numeric_limits<double>::infinity());
  m.sample("c", std::nan(""));
  m.sample("d", 1e15);
  m.sample("e", 1e300);
  EXPECT_EQ(m.text(), "a +Inf\nb -Inf\nc NaN\nd 1000000000000000\ne 1.0000000000000001e+300\n");
}

TEST(MetricHistogram, CumulativeBucketsSumAndCount) {
  static const std::vector<double> bounds = {0.1, 1, 10};
  MetricHistogram h(bounds);
  for (double v : {0.05, 0.1, 0.5, 5.0, 50.0}) h.observe(v);
  auto s = h.snapshot();
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{2, 3, 4, 5}));  // le is inclusive: 0.1 <= 0.1
  EXPECT_EQ(s.count, 5u);
  EXPECT_DOUBLE_EQ(s.sum, 55.65);
  MetricsText m;
  m.histogram("h_seconds", {{"type", "t"}}, s);
  EXPECT_EQ(m.text(),
            "h_seconds_bucket{type=\"t\",le=\"0.1\"} 2\n"
            "h_seconds_bucket{type=\"t\",le=\"1\"} 3\n"
            "h_seconds_bucket{type=\"t\",le=\"10\"} 4\n"
            "h_seconds_bucket{type=\"t\",le=\"+Inf\"} 5\n"
            "h_seconds_sum{type=\"t\"} 55.649999999999999\n"
            "h_seconds_count{type=\"t\"} 5\n");
}

TEST(MetricHistogram, EmptyAndShippedBoundsAscending) {
  MetricHistogram h(MetricHistogram::kLatencySeconds);
  auto s = h.snapshot();
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.cumulative.size(), MetricHistogram::kLatencySeconds.size() + 1);
  for (const auto* b : {&MetricHistogram::kLatencySeconds, &MetricHistogram::kSizes}) {
    EXPECT_TRUE(std::is_sorted(b->begin(), b->end()));
    EXPECT_EQ(std::adjacent_find(b->begin(), b->end()), b->end());
  }
}

}  // namespace
}  // namespace orion
