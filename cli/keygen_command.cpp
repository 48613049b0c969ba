// orionctl keygen: a CURVE key pair for a service, an agent or a client (common/curve_keys.h),
// or with --vote an agent's Ed25519 vote key (common/vote_signature.h).
#include <iostream>

#include "cli/commands.h"
#include "cli/support.h"
#include "common/curve_keys.h"
#include "common/vote_signature.h"

namespace orion::cli {

int cmd_keygen(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("keygen", "Write a CURVE key pair to FILE (mode 0600) and its public key to FILE.pub");
    o.add_options()("out", "the key pair file to write (never overwritten)", cxxopts::value<std::string>())(
        "vote", "an agent's Ed25519 vote key instead (its public key goes in the policy's vote_keys)");
    o.parse_positional({"out"});
    o.positional_help("FILE");
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    if (!args.count("out")) throw UsageError("keygen needs the file to write: orionctl keygen FILE");
    const std::string path = args["out"].as<std::string>();
    if (args.count("vote")) {
      const auto keys = consensus::VoteKeys::generate();
      if (auto s = consensus::write_vote_key(path, keys); !s) return fail(s.error());
      if (args.count("json")) {
        std::cout << text(Json{{"key_file", path}, {"public_key_file", path + ".pub"}, {"public_key", keys.public_key_hex()}})
                  << std::endl;
      } else {
        std::cout << "wrote " << path << " (secret, mode 0600) and " << path << ".pub\nvote public key: "
                  << keys.public_key_hex() << std::endl;
      }
      return 0;
    }
    const auto pair = generate_curve_key_pair();
    if (auto s = write_key_pair(path, pair); !s) return fail(s.error());
    if (args.count("json")) {
      std::cout << text(Json{{"key_file", path}, {"public_key_file", path + ".pub"}, {"public_key", pair.public_key}})
                << std::endl;
    } else {
      std::cout << "wrote " << path << " (secret, mode 0600) and " << path << ".pub\npublic key: " << pair.public_key
                << std::endl;
    }
    return 0;
  });
}

}  // namespace orion::cli
