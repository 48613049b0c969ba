// orionctl's subcommands. Each takes the arguments after its name and returns the exit code:
// 0 on success, 1 when the request failed (one line on stderr), 2 for a usage error.
#pragma once

#include <string>
#include <vector>

namespace orion::cli {

int cmd_submit(int argc, char** argv);
int cmd_status(int argc, char** argv);
int cmd_wait(int argc, char** argv);
int cmd_agents(int argc, char** argv);
int cmd_watch(int argc, char** argv);
int cmd_cancel(int argc, char** argv);
int cmd_drain(int argc, char** argv);
int cmd_propose(int argc, char** argv);
int cmd_vote(int argc, char** argv);
int cmd_decision(int argc, char** argv);
int cmd_reprioritize(int argc, char** argv);
int cmd_list(int argc, char** argv);
int cmd_workflow(int argc, char** argv);  // run, status, wait, cancel, retry
int cmd_schedule(int argc, char** argv);  // schedule_commands.cpp: create, list, pause, resume, delete, trigger
int cmd_limit(int argc, char** argv);     // limit_commands.cpp: set, delete, list
int cmd_namespace(int argc, char** argv);  // namespace_commands.cpp: set, list, delete
int cmd_parked(int argc, char** argv);    // parked_command.cpp: list, retry, discard
int cmd_stats(int argc, char** argv);
int cmd_replica(int argc, char** argv);  // add, remove (Raft membership)
int cmd_cluster(int argc, char** argv);  // cluster_command.cpp
int cmd_keygen(int argc, char** argv);   // keygen_command.cpp
int cmd_audit(int argc, char** argv);    // audit_command.cpp: list, verify
int cmd_dev(int argc, char** argv);      // dev_command.cpp: a whole stack on loopback

}  // namespace orion::cli
