// raise_fd_limit: every service raises its open-file limit (RLIMIT_NOFILE) to the hard limit at
// start, so that many peers (each TCP connection is one descriptor, plus libzmq's own) run it out
// of connections only at the limit the operator set, not at the shell's soft default (often 1024).
//
//   orion::init_logging("registry", level);
//   orion::raise_fd_limit();   // logs: event=fd_limit soft=1024 raised_to=1048576 hard=1048576
#pragma once

namespace orion {

// Sets the soft limit to the hard limit and logs both (warn if it could not). Returns the soft
// limit now in force, or -1 when it could not be read.
long raise_fd_limit();

}  // namespace orion
