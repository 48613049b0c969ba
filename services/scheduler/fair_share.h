// FairShare: which namespace a free agent slot goes to when several have ready work. Stride
// scheduling: each namespace has a pass; a slot goes to the namespace with the lowest pass among
// those that can use it, whose pass then advances by 1/weight. Under contention the slots split
// in proportion to the weights (a namespace of weight 2 gets twice the slots of one of weight
// 1, to within one slot each), and none starves: a namespace's pass grows only when it is
// served, so any namespace with work is reached after a bounded number of others' slots.
// Priorities order work inside a namespace; this only chooses between namespaces.
//
//   FairShare share;
//   share.set_weight("tenant-a", 2);
//   for (const std::string* ns : share.order(namespaces_with_ready_work)) {
//     if (dispatch_one_of(*ns)) { share.served(*ns); break; }   // else the next in order
//   }
//
// A namespace that had no work, or is new, joins at the pass of the last one served (never
// below it), so time spent idle is not banked into a burst that would starve the others.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace orion::scheduler {

class FairShare {
 public:
  static constexpr double kMinWeight = 1e-3, kMaxWeight = 1e3;
  static constexpr double kDefaultWeight = 1.0;

  // INVALID_ARGUMENT outside [kMinWeight, kMaxWeight].
  Status set_weight(const std::string& ns, double weight);
  double weight(const std::string& ns) const;
  const std::map<std::string, double>& weights() const { return weights_; }  // the ones set

  // The candidates, lowest pass first (ties by name): the order to try them in for one slot.
  std::vector<const std::string*> order(const std::vector<const std::string*>& candidates);
  // The index in candidates (not empty, no duplicates) of the one order() puts first, without
  // building the order: what dispatch asks for each slot.
  std::size_t first(const std::vector<const std::string*>& candidates);
  // ns got the slot.
  void served(const std::string& ns);
  // ns back to kDefaultWeight (DELETE_NAMESPACE).
  void clear_weight(const std::string& ns) { weights_.erase(ns); }
  std::size_t tracked() const { return pass_.size(); }  // namespaces with a pass kept

  std::uint64_t slots(const std::string& ns) const;  // slots served since the start (statistics)
  // Forgets the passes of namespaces not named (no work, no weight set): bounded state.
  void trim(const std::vector<const std::string*>& keep);

 private:
  double& pass_of(const std::string& ns);

  std::map<std::string, double> weights_;
  std::map<std::string, double> pass_;
  std::map<std::string, std::uint64_t> slots_;
  double virtual_time_ = 0;  // the pass of the last namespace served, before its advance
};

}  // namespace orion::scheduler
