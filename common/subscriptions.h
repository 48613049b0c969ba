// The topic prefixes someone subscribes to, as an XPUB publisher learns them: each
// subscription message is 0x01 + prefix (subscribe) or 0x00 + prefix (unsubscribe). A publisher
// that knows nobody wants a topic skips building its events (they would be dropped by the
// socket anyway, so nothing a subscriber could see changes).
//
//   Subscriptions subs;
//   zmq::message_t m; while (xpub.recv(m, zmq::recv_flags::dontwait)) subs.on_message(m.to_string_view());
//   if (subs.wants("proposal.decided.gpu")) publish(...);
//
// Bounded: at most kMaxPrefixes distinct prefixes are kept; past that every topic counts as
// wanted (building an unwanted event costs CPU, never correctness).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace orion {

class Subscriptions {
 public:
  static constexpr std::size_t kMaxPrefixes = 4096;

  // One message read from an XPUB socket; anything that is not a subscription is ignored.
  void on_message(std::string_view message) {
    if (message.empty() || (message[0] != 0 && message[0] != 1)) return;
    std::string prefix(message.substr(1));
    if (message[0] == 1) {
      if (prefixes_.size() >= kMaxPrefixes && !prefixes_.count(prefix)) {
        overflow_ = true;
        return;
      }
      ++prefixes_[prefix];
    } else {
      auto it = prefixes_.find(prefix);
      if (it != prefixes_.end() && --it->second == 0) prefixes_.erase(it);
    }
  }
  // The upstream went away or changed: it sends its subscriptions again on the next connection.
  void clear() {
    prefixes_.clear();
    overflow_ = false;
  }
  bool any() const { return overflow_ || !prefixes_.empty(); }
  // Whether some subscription is a prefix of `topic` (as ZeroMQ matches them).
  bool wants(std::string_view topic) const {
    if (overflow_) return true;
    for (const auto& [prefix, count] : prefixes_) {
      if (topic.substr(0, prefix.size()) == prefix) return true;
    }
    return false;
  }

 private:
  std::map<std::string, std::size_t> prefixes_;  // prefix -> subscriptions not yet cancelled
  bool overflow_ = false;
};

}  // namespace orion
