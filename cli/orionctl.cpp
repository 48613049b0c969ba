// orionctl: Orion's command line for people and scripts.
#include <cstring>
#include <iostream>

#include "cli/commands.h"
#include "common/config.h"

namespace {

constexpr const char* kUsage = R"(usage: orionctl COMMAND [options]

commands:
  dev           a whole stack on loopback until Ctrl-C    orionctl dev [--port-base 7100] [--data-dir ./orion-dev]
  submit        submit a task           orionctl submit --type echo --cap text --input '{"x":1}'
                  [--priority high] [--timeout 2.5s] [--depends-on ID]... [--prefer AGENT]...
                  [--exclude AGENT]... [--retries 3 --backoff exponential|fixed
                  --backoff-initial 1 --backoff-max 60 --jitter 0.1] [--idempotency-key K]
                  [--unschedulable-timeout 30] [--result-ttl 1h]
                  [--require-consensus majority|unanimous|weighted|pbft [--consensus-cap C]
                   [--voter AGENT]... [--consensus-timeout 60] [--consensus-data '{}']]
                   [--delay 10m | --not-before 2026-12-06T10:00:00Z] [--on-exhausted fail|park]
                   [--limit-key K]... [--namespace NS]
                submit a batch file     orionctl submit --batch tasks.json   (prints key -> id)
  status        show a task             orionctl status t42 [--json]
  wait          wait until a task ends  orionctl wait t42 [--timeout 30]
  cancel        cancel a task and its dependants   orionctl cancel t42 [--reason R]
  reprioritize  change a queued task's priority    orionctl reprioritize t42 --priority urgent
  list          list tasks              orionctl list [--state PENDING]... [--type T]...
                                          [--priority high]... [--limit 100] [--after ID] [--namespace NS]
  parked        dead letters: tasks whose retries are spent   orionctl parked list [--type T] [--json]
                                        orionctl parked retry|discard ID... | --type T [--json]
  agents        list agents             orionctl agents [--json]
  drain         drain an agent: no new work, it leaves when idle   orionctl drain worker-1
  propose       ask agents to decide    orionctl propose --type deploy --consensus majority|unanimous|
                                          weighted|pbft --cap deploy [--voter A]... --data '{}' --timeout 30 [--namespace NS]
  vote          cast a signed vote      orionctl vote p1 --agent A --yes|--no --secret-key HEX
  decision      votes and outcome       orionctl decision p1 [--wait 10] [--json]
  watch         print events as they come orionctl watch [--topic task.] [--count N]
  workflow      multi-step workflows    orionctl workflow run FILE.yaml|FILE.json [--json]
                                        orionctl workflow status|wait|cancel|retry ID [--json]
  schedule      fire tasks on a clock   orionctl schedule create NAME --cron '0 2 * * *' [--tz Europe/Paris] --type T
                                          |  --every 5m ...   orionctl schedule list|pause|resume|delete|trigger [ID] [--json]
  limit         concurrency and rate limits per key   orionctl limit set customer-* --max-running 5 [--rate 10 --per 1s]
                                          orionctl limit delete PATTERN | orionctl limit list [--json]
  stats         tasks, wait/run times, agents, proposals, bottlenecks   orionctl stats [--namespace NS] [--json]
  namespace     fair share weights, dead-letter defaults   orionctl namespace set NS --weight 2 [--on-exhausted park]
                                        orionctl namespace list|delete [NS] [--json]
  replica       change a replicated service's members   orionctl replica add --service scheduler
                                          --id 4 --raft HOST:PORT  |  orionctl replica remove --id 1
                                        orionctl replica info --endpoint tcp://HOST:7200 [--json]
  cluster       every registry, scheduler and consensus replica   orionctl cluster [--json]
  keygen        a CURVE key pair        orionctl keygen FILE   (FILE secret, mode 0600; FILE.pub)
  audit         who changed what, when  orionctl audit [--service scheduler|consensus] [--since SEQ|TIME|AGE]
                                          [--limit N]  |  orionctl audit verify [--service S] [--file DB]

Every command takes --registry tcp://host:port[,tcp://host2:port...] (default tcp://127.0.0.1:7100,
env ORION_REGISTRY: a list is tried in turn; cluster and watch use every one), --call-timeout
SECONDS (default 10: how long one request may spend finding the leader and retrying) and --json
for machine-readable output. 'orionctl COMMAND --help' lists a command's options;
'orionctl --version' prints the version.
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  if (cmd == "--version" || cmd == "version") {
    std::cout << "orionctl " << orion::orion_version() << "\n";
    return 0;
  }
  // Each subcommand parses argv[1..] so that its own name is argv[0] in its help.
  if (cmd == "dev") return orion::cli::cmd_dev(argc - 1, argv + 1);
  if (cmd == "submit") return orion::cli::cmd_submit(argc - 1, argv + 1);
  if (cmd == "status") return orion::cli::cmd_status(argc - 1, argv + 1);
  if (cmd == "wait") return orion::cli::cmd_wait(argc - 1, argv + 1);
  if (cmd == "agents") return orion::cli::cmd_agents(argc - 1, argv + 1);
  if (cmd == "watch") return orion::cli::cmd_watch(argc - 1, argv + 1);
  if (cmd == "cancel") return orion::cli::cmd_cancel(argc - 1, argv + 1);
  if (cmd == "drain") return orion::cli::cmd_drain(argc - 1, argv + 1);
  if (cmd == "propose") return orion::cli::cmd_propose(argc - 1, argv + 1);
  if (cmd == "vote") return orion::cli::cmd_vote(argc - 1, argv + 1);
  if (cmd == "decision") return orion::cli::cmd_decision(argc - 1, argv + 1);
  if (cmd == "reprioritize") return orion::cli::cmd_reprioritize(argc - 1, argv + 1);
  if (cmd == "list") return orion::cli::cmd_list(argc - 1, argv + 1);
  if (cmd == "workflow") return orion::cli::cmd_workflow(argc - 1, argv + 1);
  if (cmd == "schedule") return orion::cli::cmd_schedule(argc - 1, argv + 1);
  if (cmd == "limit") return orion::cli::cmd_limit(argc - 1, argv + 1);
  if (cmd == "namespace") return orion::cli::cmd_namespace(argc - 1, argv + 1);
  if (cmd == "parked") return orion::cli::cmd_parked(argc - 1, argv + 1);
  if (cmd == "stats") return orion::cli::cmd_stats(argc - 1, argv + 1);
  if (cmd == "replica") return orion::cli::cmd_replica(argc - 1, argv + 1);
  if (cmd == "cluster") return orion::cli::cmd_cluster(argc - 1, argv + 1);
  if (cmd == "keygen") return orion::cli::cmd_keygen(argc - 1, argv + 1);
  if (cmd == "audit") return orion::cli::cmd_audit(argc - 1, argv + 1);
  std::cerr << "orionctl: unknown command '" << cmd << "'\n" << kUsage;
  return 2;
}
