#include "services/registry/registry_config.h"

#include <cstdlib>
#include <vector>

#include <gtest/gtest.h>

namespace orion::registry {
namespace {

// Parses a command line the way main does (without exiting on errors).
Result<RegistryConfig> parse(std::vector<std::string> argv_strings) {
  cxxopts::Options options("orion-registry", "test");
  add_registry_options(options);
  argv_strings.insert(argv_strings.begin(), "orion-registry");
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  auto args = options.parse(static_cast<int>(argv.size()), argv.data());
  return registry_config_from(args);
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

TEST(RegistryConfig, DefaultsMatchTheDesign) {
  auto c = parse({});
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->bind, "tcp://127.0.0.1:7100");
  EXPECT_EQ(c->bind_events_pub, "tcp://127.0.0.1:7101");
  EXPECT_EQ(c->bind_events_sub, "tcp://127.0.0.1:7102");
  EXPECT_EQ(c->advertise_host, "");
  EXPECT_EQ(c->heartbeat_ms, 1000);
  EXPECT_EQ(c->liveness, 3);
  EXPECT_EQ(c->data_dir, "./data/registry");
}

TEST(RegistryConfig, FlagsOverrideDefaults) {
  auto c = parse({"--bind", "tcp://0.0.0.0:*", "--heartbeat-ms", "250", "--liveness", "5", "--advertise-host",
                  "registry"});
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->bind, "tcp://0.0.0.0:*");
  EXPECT_EQ(c->heartbeat_ms, 250);
  EXPECT_EQ(c->liveness, 5);
  EXPECT_EQ(c->advertise_host, "registry");
}

TEST(RegistryConfig, EnvironmentSetsTheDefaultAndAFlagStillWins) {
  ScopedEnv liveness("ORION_LIVENESS", "7");
  ScopedEnv bind("ORION_BIND", "tcp://127.0.0.1:9100");
  auto c = parse({"--bind", "tcp://127.0.0.1:9200"});
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->liveness, 7);
  EXPECT_EQ(c->bind, "tcp://127.0.0.1:9200");
}

TEST(RegistryConfig, ABadNumberIsInvalidArgumentNamingTheFlag) {
  for (const char* bad : {"abc", "0", "-5", "12x", "99999999999"}) {
    auto c = parse({"--heartbeat-ms", bad});
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(c.error().message.find("--heartbeat-ms"), std::string::npos) << c.error().message;
  }
  auto c = parse({"--liveness", "0"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("--liveness"), std::string::npos);
}

}  // namespace
}  // namespace orion::registry
