// Logging: spdlog with one line per event and key=value fields (logfmt), e.g.
//   2026-11-24T19:00:00.123 level=info svc=scheduler event=task_assigned task=T1 agent=a1
// or, with --log-format json, one JSON object per line with the same fields:
//   {"ts":"2026-11-24T19:00:00.123","level":"info","svc":"scheduler","event":"task_assigned","task":"T1","agent":"a1"}
//
//   if (auto s = init_logging("scheduler", "info", "logfmt"); !s) die(s.error());
//   spdlog::info("event=task_assigned task={} agent={} error={}", id, agent, logfmt_value(error));
//
// A value that may hold a blank, a quote, an '=' or a control character goes through logfmt_value(),
// which writes it as a logfmt string ("..." with \" \\ \n escapes) only when it needs to be one.
//
// Levels mean: critical then abort only for a broken invariant; warn for a misbehaving peer;
// info for role and membership changes and for every task failure, timeout, retry and fencing,
// one greppable line each; debug for everything else.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "common/logfmt.h"
#include "common/status.h"

namespace orion {

// Logs to stderr. level: trace, debug, info, warn, error, critical, off; format: logfmt or json.
Status init_logging(const std::string& service, const std::string& level, const std::string& format = "logfmt");

// The JSON line of one logfmt message (the fields after the time, level and service): each
// key=value pair a string member, in order; words that are not pairs gathered under "msg".
// Used by the json format; exposed for its tests.
std::string logfmt_to_json(std::string_view ts, std::string_view level, std::string_view service,
                           std::string_view message);

}  // namespace orion
