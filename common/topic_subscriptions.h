// The topic prefixes someone subscribes to, as an XPUB socket reports them: a publisher asks
// wants(topic) before building an event, so an event nobody receives costs nothing. A PUB
// socket drops such events too, but only after the publisher has packed and sent them.
//
//   TopicSubscriptions subs;
//   zmq::message_t m;
//   while (xpub.recv(m, zmq::recv_flags::dontwait)) subs.apply(m.data(), m.size());
//   if (subs.wants("task.completed")) ... build and publish the event ...
//
// An XPUB (not verbose) reports the first subscription to a prefix and the last
// unsubscription from it, also when a subscriber's connection ends; so a set is enough.
// Matching is by prefix, as SUB sockets filter: "" matches every topic.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace orion {

class TopicSubscriptions {
 public:
  static constexpr std::size_t kMaxPrefixes = 4096;  // bound: more are ignored (wants() says yes to all then)
  static constexpr std::size_t kMaxPrefixBytes = 255;

  // One message read from an XPUB: byte 1 then the prefix subscribes, byte 0 unsubscribes.
  // Returns false (and changes nothing) for anything else, e.g. an empty message.
  bool apply(const void* data, std::size_t size);

  // True when some subscribed prefix is a prefix of topic. When the set overflowed kMaxPrefixes,
  // always true: we then cannot tell, and publishing too much is the safe side.
  bool wants(std::string_view topic) const;

  std::size_t size() const { return prefixes_.size(); }
  // Whether anyone subscribes to anything (wants() can only say yes then).
  bool any() const { return overflowed_ || !prefixes_.empty(); }
  // Adds every prefix of `other` (a union: RegistryLink's view over several buses).
  void add_all(const TopicSubscriptions& other);
  // The upstream went away or changed: it reports its subscriptions again once connected.
  void clear() {
    prefixes_.clear();
    lengths_.clear();
    overflowed_ = false;
  }

 private:
  std::set<std::string, std::less<>> prefixes_;
  // How many prefixes have each length: wants() looks up one candidate per distinct length.
  std::map<std::size_t, std::size_t> lengths_;
  bool overflowed_ = false;  // a subscription was ignored for the bound; until clear()
};

}  // namespace orion
