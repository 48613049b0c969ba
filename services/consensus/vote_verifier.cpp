#include "services/consensus/vote_verifier.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include "common/vote_signature.h"

namespace orion::consensus {

VoteVerifier::VoteVerifier(int threads) : event_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

VoteVerifier::~VoteVerifier() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  if (event_fd_ >= 0) ::close(event_fd_);
}

void VoteVerifier::submit(std::vector<Job> jobs) {
  if (jobs.empty()) return;
  if (threads_.empty()) {  // no workers: verify here, on the caller's thread
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& j : jobs) verdicts_.push_back({j.id, check(j)});
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& j : jobs) jobs_.push_back(std::move(j));
  }
  cv_.notify_all();
}

void VoteVerifier::take(std::vector<Verdict>& out) {
  std::lock_guard<std::mutex> lock(mu_);
  out.insert(out.end(), verdicts_.begin(), verdicts_.end());
  verdicts_.clear();
}

void VoteVerifier::drain_wakeups() {
  std::uint64_t v;
  while (::read(event_fd_, &v, sizeof v) == sizeof v) {
  }
}

bool VoteVerifier::check(const Job& j) {
  return verify_vote(j.public_key, j.subject, j.vote.yes, j.vote.signature);
}

// Takes up to kJobsPerTake queued jobs and verifies them outside the lock; publishes their
// verdicts together and wakes the service once per batch (only when it has nothing untaken: a
// non-empty list is taken after a wake-up still to come).
void VoteVerifier::run() {
  std::vector<Job> batch;
  std::vector<Verdict> done;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      while (!jobs_.empty() && batch.size() < kJobsPerTake) {
        batch.push_back(std::move(jobs_.front()));
        jobs_.pop_front();
      }
    }
    done.clear();
    for (const auto& j : batch) {
      if (stopping_.load()) return;
      done.push_back({j.id, check(j)});
    }
    batch.clear();
    bool was_empty;
    {
      std::lock_guard<std::mutex> lock(mu_);
      was_empty = verdicts_.empty();
      verdicts_.insert(verdicts_.end(), done.begin(), done.end());
    }
    if (was_empty) {
      std::uint64_t one = 1;
      [[maybe_unused]] auto w = ::write(event_fd_, &one, sizeof one);
    }
  }
}

}  // namespace orion::consensus
