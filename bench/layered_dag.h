// The DAG of dag_100k_ms, shared by orion-bench and orion-dag-phases: n tasks in layers of
// `width`; each task after the first layer depends on a random task of the layer above and, half
// the time, on one more of any earlier layer. Tasks need `capability` and carry no input.
// Deterministic (seed 7), so every run submits the same batch.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "common/messages.h"

namespace orion::bench {

inline SubmitBatch layered_dag(int n, int width, const std::string& capability) {
  std::mt19937_64 rng(7);
  SubmitBatch batch;
  batch.tasks.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    BatchEntry e;
    e.key = "d" + std::to_string(i);
    e.spec.type = "echo";
    e.spec.capabilities = {capability};
    int layer = i / width;
    if (layer > 0) {
      auto above = (layer - 1) * width + static_cast<int>(rng() % static_cast<std::uint64_t>(width));
      e.spec.depends_on.push_back("d" + std::to_string(above));
      if (rng() % 2 == 0) {
        auto earlier = static_cast<int>(rng() % static_cast<std::uint64_t>(layer * width));
        if (earlier != above) e.spec.depends_on.push_back("d" + std::to_string(earlier));
      }
    }
    batch.tasks.push_back(std::move(e));
  }
  return batch;
}

}  // namespace orion::bench
