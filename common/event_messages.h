// EVENT (80), the body every publisher sends on the bus (docs/protocol.md section 5.6). Each
// publisher numbers its events from 1 within an epoch (a number drawn at each process start);
// (publisher, epoch, seq) names one event, so a subscriber connected to several registries' buses
// drops the copies (common/event_dedup.h). A gap in seq within an epoch tells it it missed some
// and should re-read state with a command; a new epoch is a restart, not a gap.
//
//   Event e; e.topic = "task.completed"; e.publisher = "scheduler"; e.epoch = 7; e.seq = 1;
//   Result<Event> back = Event::from_body(e.to_body());
//
// Generated from common/protocol.toml (family "event") into common/gen/event_messages.{h,cpp} in
// the build tree; the scheduler's hot path writes the same body with pack_event (task_pack.h).
#pragma once

#include "common/gen/event_messages.h"
