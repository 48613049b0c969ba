// Figures on stdout, one "name value unit" line each, for the groups of orion-bench that print
// a selection of their figures (--only).
//
//   Reporter out(options.only);                       // empty: every figure
//   out.print({"throughput_tasks_per_s", 21078.4, "tasks/s"});   // "throughput_tasks_per_s 21078 tasks/s"
#pragma once

#include <cstdio>
#include <iostream>
#include <set>
#include <string>

namespace orion::bench {

struct Figure {
  std::string name;
  double value;
  std::string unit;
};

class Reporter {
 public:
  explicit Reporter(const std::set<std::string>& only) : only_(only) {}
  bool wanted(const std::string& name) const { return only_.empty() || only_.count(name) > 0; }
  // tasks/s with no decimals, MiB with one, anything else with three.
  void print(const Figure& f) {
    if (!wanted(f.name)) return;
    char value[64];
    if (f.unit == "tasks/s") std::snprintf(value, sizeof value, "%.0f", f.value);
    else if (f.unit == "MiB") std::snprintf(value, sizeof value, "%.1f", f.value);
    else std::snprintf(value, sizeof value, "%.3f", f.value);
    std::cout << f.name << " " << value << " " << f.unit << std::endl;
  }

 private:
  std::set<std::string> only_;
};

}  // namespace orion::bench
