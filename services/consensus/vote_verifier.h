// VoteVerifier: the Ed25519 check of each VOTE (about 50 µs, most of a vote's cost on the
// leader) on worker threads, so that the service thread reads, logs and applies other requests
// meanwhile and the checks can use every core. The service thread stays the only one that
// touches the state machine; the worker only computes verify_vote(), a pure function of the
// job, so what ends up in the log, and the state, are as if the service had verified inline.
//
//   VoteVerifier verifier(2);                         // two worker threads
//   verifier.submit({{7, public_key_hex, subject, vote}});   // service thread; numbered by caller
//   ... poll verifier.fd() ...
//   verifier.drain_wakeups();
//   std::vector<VoteVerifier::Verdict> out; verifier.take(out);   // {7, true}: match them by id
//
// Bounds: the caller bounds the jobs in flight (ConsensusService stops reading requests past
// kMaxStaged); a worker takes at most kJobsPerTake jobs at a time, so that every worker gets
// some; the destructor finishes the job at hand and drops the rest.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/consensus_messages.h"

namespace orion::consensus {

class VoteVerifier {
 public:
  struct Job {
    std::uint64_t id = 0;
    std::string public_key;  // the voter's, from the proposal (hex)
    VoteSubject subject;     // what the vote is about (ConsensusCore::vote_check)
    Vote vote;
  };
  struct Verdict {
    std::uint64_t id = 0;
    bool ok = false;  // the signature is the voter's over this vote
  };

  static constexpr std::size_t kJobsPerTake = 8;

  // threads = 0: no worker; submit() verifies on the caller's thread (take() has the verdicts
  // at once, and fd() is never readable).
  explicit VoteVerifier(int threads);
  ~VoteVerifier();
  VoteVerifier(const VoteVerifier&) = delete;
  VoteVerifier& operator=(const VoteVerifier&) = delete;

  void submit(std::vector<Job> jobs);
  // Moves every verdict ready so far to `out`: each worker's in the order it took them, but the
  // workers' interleaved (match verdicts to jobs by id).
  void take(std::vector<Verdict>& out);
  // Readable when verdicts may be ready.
  int fd() const { return event_fd_; }
  void drain_wakeups();

 private:
  void run();
  static bool check(const Job& j);

  int event_fd_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;          // under mu_
  std::vector<Verdict> verdicts_;  // under mu_
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace orion::consensus
