#include "common/logfmt.h"
#include "common/raft_log.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/clock.h"

// The raft headers have no extern "C" of their own (docs/internals/consensus.md, "libraft: what we learned").
extern "C" {
#include <raft.h>
#include <raft/uv.h>
#include <uv.h>
}

namespace orion {

namespace {

// How often the raft thread looks at its role: raft 0.15 has no state-change callback.
constexpr std::uint64_t kRolePollMs = 10;

// Every buffer we give raft starts with its payload's length (4 bytes, little endian) and is
// padded with zeros to a multiple of 8 bytes. The padding is a requirement, not a workaround:
// libraft's disk format (uv segments) writes each entry's bytes as they are but reads entries
// back assuming every length is a multiple of 8, so an unpadded entry is read at a shifted
// offset after a restart (canonical/raft issues #189 and #304; dqlite pads the same way). The
// length lets us ignore whatever padding raft hands back.
constexpr std::size_t kFrameHeader = 4;

void* frame(const std::string& payload, std::size_t* len) {
  *len = (kFrameHeader + payload.size() + 7) / 8 * 8;
  auto* p = static_cast<unsigned char*>(raft_malloc(*len));
  if (!p) return nullptr;
  std::memset(p, 0, *len);
  auto n = static_cast<std::uint32_t>(payload.size());
  for (std::size_t i = 0; i < kFrameHeader; ++i) p[i] = static_cast<unsigned char>(n >> (8 * i));
  std::memcpy(p + kFrameHeader, payload.data(), payload.size());
  return p;
}

// The payload of a framed buffer, in place; empty when the length does not fit (then decoding
// refuses it).
std::string_view unframe_view(const void* base, std::size_t len) {
  if (len < kFrameHeader) return {};
  const auto* p = static_cast<const unsigned char*>(base);
  std::uint32_t n = 0;
  for (std::size_t i = 0; i < kFrameHeader; ++i) n |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  if (n > len - kFrameHeader) {
    spdlog::error("event=bad_raft_frame len={} declared={}", len, n);
    return {};
  }
  return std::string_view(reinterpret_cast<const char*>(p + kFrameHeader), n);
}

void put32(unsigned char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

std::uint32_t get32(const unsigned char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}

// kSnapshotMagic cannot be the first word of the older form of a snapshot, a plain frame() of
// the state, whose first word is the state's length (less than the buffer's).
constexpr std::uint32_t kSnapshotMagic = 0xFFFFFFFEu;

Error raft_error(const char* what, int rv, const char* detail) {
  return make_error(ErrorCode::INTERNAL, std::string(what) + ": " + raft_strerror(rv) + " (" +
                                             (detail && *detail ? detail : "no detail") + ")");
}

// Raft's peer connections without Nagle's algorithm. libraft 0.15 leaves it on (its uv TCP
// transport never calls uv_tcp_nodelay), and a leader pipelines AppendEntries: with Nagle, an
// entry written while the previous one is unacknowledged may wait in the kernel for that ACK,
// and the follower has nothing to send back on that connection (it answers on its own) for the
// ACK to ride on, so it can take the delayed-ACK timer (40 ms on Linux). Every message each
// replica sends goes over a connection it opened itself (incoming ones are only read), so
// wrapping the transport's connect is enough: the connection gets TCP_NODELAY before raft sees
// it. The wrapped functions are libraft's own (the uv TCP transport's connect, the uv io's
// connect callback), the same for every instance, so they are kept once per process.
using TcpConnectFn = int (*)(struct raft_uv_transport*, struct raft_uv_connect*, raft_id, const char*,
                             raft_uv_connect_cb);
std::atomic<TcpConnectFn> tcp_connect{nullptr};
std::atomic<raft_uv_connect_cb> raft_connect_cb{nullptr};

void connected_nodelay(struct raft_uv_connect* req, struct uv_stream_s* stream, int status) {
  if (status == 0 && stream != nullptr && stream->type == UV_TCP) {
    if (int rv = uv_tcp_nodelay(reinterpret_cast<uv_tcp_t*>(stream), 1); rv != 0) {
      spdlog::warn("event=raft_nodelay_failed error={}", orion::logfmt_value(uv_strerror(rv)));
    }
  }
  raft_connect_cb.load()(req, stream, status);
}

int connect_nodelay(struct raft_uv_transport* t, struct raft_uv_connect* req, raft_id id, const char* address,
                    raft_uv_connect_cb cb) {
  raft_connect_cb.store(cb);
  return tcp_connect.load()(t, req, id, address, connected_nodelay);
}

// Wraps the connect of a transport made by raft_uv_tcp_init (before raft_uv_init).
void set_nodelay(struct raft_uv_transport* t) {
  tcp_connect.store(t->connect);
  t->connect = connect_nodelay;
}

}  // namespace

std::vector<std::string_view> raft_snapshot_pieces(const std::string& state, const std::vector<std::string>& tail,
                                                  std::string* framing) {
  std::size_t n = 12 + state.size();
  for (const auto& e : tail) n += 4 + e.size();
  const std::size_t pad = (n + 7) / 8 * 8 - n;
  // Every length word and the padding, written once: the views below point into it.
  framing->assign(12 + 4 * tail.size() + pad, '\0');
  auto* words = reinterpret_cast<unsigned char*>(framing->data());
  std::vector<std::string_view> pieces;
  pieces.reserve(4 + 2 * tail.size());
  put32(words, kSnapshotMagic);
  put32(words + 4, static_cast<std::uint32_t>(state.size()));
  pieces.emplace_back(framing->data(), 8);
  pieces.emplace_back(state);
  put32(words + 8, static_cast<std::uint32_t>(tail.size()));
  pieces.emplace_back(framing->data() + 8, 4);
  std::size_t at = 12;
  for (const auto& e : tail) {
    put32(words + at, static_cast<std::uint32_t>(e.size()));
    pieces.emplace_back(framing->data() + at, 4);
    pieces.emplace_back(e);
    at += 4;
  }
  if (pad) pieces.emplace_back(framing->data() + at, pad);
  return pieces;
}

std::string encode_raft_snapshot(const std::string& state, const std::vector<std::string>& tail) {
  std::string framing;
  std::string out;
  for (auto piece : raft_snapshot_pieces(state, tail, &framing)) out.append(piece);
  return out;
}

bool decode_raft_snapshot_view(std::string_view bytes, std::string_view* state, std::vector<std::string_view>* tail) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t len = bytes.size();
  tail->clear();
  if (len < 4 || get32(p) != kSnapshotMagic) {  // the older form: the state alone
    *state = unframe_view(bytes.data(), len);
    return !state->empty();
  }
  std::size_t at = 4;
  auto take = [&](std::string_view* out) {
    if (len - at < 4) return false;
    std::uint32_t n = get32(p + at);
    if (n > len - at - 4) return false;
    *out = bytes.substr(at + 4, n);
    at += 4 + n;
    return true;
  };
  if (!take(state) || len - at < 4) return false;
  std::uint32_t count = get32(p + at);
  at += 4;
  if (count > (len - at) / 4) return false;  // each entry takes 4 bytes at least
  tail->resize(count);
  for (auto& e : *tail) {
    if (!take(&e)) return false;
  }
  return true;
}

bool decode_raft_snapshot(std::string_view bytes, std::string* state, std::vector<std::string>* tail) {
  std::string_view s;
  std::vector<std::string_view> t;
  const bool ok = decode_raft_snapshot_view(bytes, &s, &t);
  state->assign(s);
  tail->assign(t.begin(), t.end());
  return ok;
}

std::string encode_raft_batch(const std::vector<std::pair<std::uint64_t, std::string>>& commands) {
  std::size_t n = 2 + 4;
  for (const auto& c : commands) n += 4 + c.second.size();
  std::string out(n, '\0');
  auto* at = reinterpret_cast<unsigned char*>(out.data());
  at[0] = 0xC1, at[1] = 'B';
  put32(at + 2, static_cast<std::uint32_t>(commands.size()));
  at += 6;
  for (const auto& c : commands) {
    put32(at, static_cast<std::uint32_t>(c.second.size()));
    std::memcpy(at + 4, c.second.data(), c.second.size());
    at += 4 + c.second.size();
  }
  return out;
}

std::vector<std::string> split_raft_entry(std::string_view entry) {
  std::vector<std::string> out;
  const auto* p = reinterpret_cast<const unsigned char*>(entry.data());
  const std::size_t size = entry.size();
  if (size < 6 || p[0] != 0xC1 || p[1] != 'B') {
    out.emplace_back(entry);  // the older form: one command
    return out;
  }
  const std::uint32_t count = get32(p + 2);
  std::size_t at = 6;
  if (count > (size - at) / 4) {
    spdlog::error("event=bad_raft_batch len={} count={}", size, count);
    out.emplace_back(entry);
    return out;
  }
  out.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    if (size - at < 4 || get32(p + at) > size - at - 4) {
      spdlog::error("event=bad_raft_batch len={} count={} at={}", size, count, i);
      out.clear();
      out.emplace_back(entry);
      return out;
    }
    const std::uint32_t n = get32(p + at);
    out.emplace_back(entry.data() + at + 4, n);
    at += 4 + n;
  }
  if (at != size) {
    spdlog::error("event=bad_raft_batch len={} count={} trailing={}", size, count, size - at);
    out.clear();
    out.emplace_back(entry);
  }
  return out;
}

struct RaftLog::Impl {
  explicit Impl(RaftOptions o) : options(std::move(o)), event_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~Impl() {
    if (event_fd >= 0) ::close(event_fd);
  }

  // One raft_apply of several commands; freed in its callback.
  struct ApplyRequest {
    struct raft_apply req {};
    Impl* self = nullptr;
    std::vector<std::uint64_t> seqs;
    std::int64_t sent_ms = 0;     // monotonic, when handed to raft (the lease runs from here)
    std::chrono::steady_clock::time_point sent;  // the same, finer (commit latency, event=raft_load)
    std::uint64_t term = 0;       // the term it was sent in
  };
  // The leader's lease confirmation: an empty entry a majority must store.
  struct BarrierRequest {
    struct raft_barrier req {};
    Impl* self = nullptr;
    std::int64_t sent_ms = 0;
    std::uint64_t term = 0;
  };

  const RaftOptions options;
  int event_fd;

  // ---- Shared between the two threads, under mu -----------------------------------------------
  mutable std::mutex mu;
  std::vector<std::pair<std::uint64_t, std::string>> submitted;  // appended, not yet handed to raft
  std::vector<MembershipChange> changes;                          // asked for, not yet handed to raft
  std::deque<LogItem> ready;                                      // for the service thread
  RoleInfo role;
  // SNAPSHOT items queued and answered (snapshot_taken), in order; answers to requests made
  // before a restore (numbered below answers_valid_from) are dropped.
  std::uint64_t snapshot_requests = 0, snapshot_answers = 0, answers_valid_from = 1;
  std::optional<std::string> snapshot_state;  // the service's answer to the last SNAPSHOT item
  bool stopping = false;

  // ---- Read by any thread -------------------------------------------------------------------------
  // The lease: valid until lease_until_ms (monotonic) while the term is lease_term and this
  // replica leads it. Written by the raft thread only.
  std::atomic<std::int64_t> lease_until_ms{0};
  std::atomic<std::uint64_t> lease_term{0};
  std::atomic<std::uint64_t> commit_index{0}, applied_index{0}, last_index{0};

  // ---- Raft thread only ---------------------------------------------------------------------------
  std::uint64_t applied_bytes = 0;   // entry bytes applied since the last snapshot (the size rule)
  std::uint64_t snapshot_bytes = 0;  // size of the last snapshot taken or restored
  bool preparing = false;            // a SNAPSHOT item is queued; `tail` holds what came after it
  std::vector<std::string> tail;
  // The snapshot raft is writing: its buffers point here until snapshot_finalize.
  struct Taking {
    std::string state;
    std::vector<std::string> tail;
    std::string framing;  // length words and padding (raft_snapshot_pieces)
  };
  std::unique_ptr<Taking> taking;
  uv_loop_t loop{};
  uv_async_t async{};
  uv_timer_t timer{};
  uv_timer_t lease_timer{};
  bool barrier_in_flight = false;
  // The service's appends handed to raft and not yet called back, and when the newest left.
  std::uint64_t applies_in_flight = 0;
  std::int64_t last_apply_sent_ms = 0;
  // What went through the log since load.since_ms (monotonic), logged once a second at debug
  // level (event=raft_load): how large entries are under load, and how long a commit takes.
  struct Load {
    std::int64_t since_ms = 0;
    std::uint64_t appended = 0, commands = 0, bytes = 0, barriers = 0, applied = 0, max_in_flight = 0;
    std::vector<double> commit_ms;  // raft_apply to its callback, each append's
  } load;
  struct raft_uv_transport transport {};
  struct raft_io io {};
  struct raft_fsm fsm {};
  struct raft raft {};
  bool closing = false;
  std::thread thread;
  bool started = false;

  void wake_service() {
    std::uint64_t one = 1;
    [[maybe_unused]] auto w = ::write(event_fd, &one, sizeof one);
  }

  // The service drains the eventfd, then takes every ready item: it needs waking only when the
  // queue was empty (a non-empty queue is taken after a wake-up still to come or not yet taken).
  void push(LogItem item) {
    bool was_empty;
    {
      std::lock_guard<std::mutex> lock(mu);
      was_empty = ready.empty();
      ready.push_back(std::move(item));
    }
    if (was_empty) wake_service();
  }

  void fail(std::vector<std::uint64_t> seqs, Error error) {
    if (!seqs.empty()) push(LogItem{LogItem::FAILED, {}, std::move(seqs), std::move(error)});
  }

  Error not_leader() const { return make_error(ErrorCode::NOT_LEADER, "this replica is not the leader"); }

  static std::int64_t mono_ms() { return steady_now_ms(); }
  unsigned lease_ms() const { return options.lease_ms ? options.lease_ms : options.election_timeout_ms * 3 / 4; }

  // A majority stored an entry sent at sent_ms in `term`: the lease runs from then.
  void confirm(std::int64_t sent_ms, std::uint64_t term) {
    if (raft_state(&raft) != RAFT_LEADER || raft.current_term != term) return;
    const std::int64_t until = sent_ms + lease_ms();
    if (lease_term.load() != term) {
      lease_term.store(term);
      lease_until_ms.store(until);
    } else if (until > lease_until_ms.load()) {
      lease_until_ms.store(until);
    }
  }

  // ---- FSM callbacks (raft thread) ----------------------------------------------------------------

  static int fsm_apply(struct raft_fsm* fsm, const struct raft_buffer* buf, void** result) {
    auto* self = static_cast<Impl*>(fsm->data);
    self->applied_bytes += buf->len;
    ++self->load.applied;
    // Split in place: copying the whole entry first would be one more large allocation per entry.
    std::string_view entry = unframe_view(buf->base, buf->len);
    if (self->preparing) self->tail.emplace_back(entry);
    auto commands = split_raft_entry(entry);
    bool was_empty;
    {
      std::lock_guard<std::mutex> lock(self->mu);
      was_empty = self->ready.empty();
      for (auto& c : commands) self->ready.push_back(LogItem{LogItem::APPLY, std::move(c), {}, {}});
    }
    if (was_empty) self->wake_service();
    *result = nullptr;
    return 0;  // never non-zero: that would stop raft's apply loop
  }

  // Snapshots, without ever waiting for the service thread (a raft loop that stops for longer
  // than an election timeout loses its leadership, or its leader). Raft asks for a snapshot
  // after each batch of applied entries once past the threshold, and takes RAFT_BUSY as "not
  // now". The first time, this queues a SNAPSHOT item behind every entry applied so far and
  // keeps a copy of every entry applied after it (the tail). The service thread, reaching the
  // item, encodes its state, then exactly the state as of that entry, and hands it back with
  // snapshot_taken(). At the first call after that, the snapshot is that state and the tail:
  // exactly the state at raft's last applied index, once the tail is applied to it.
  // (Libraft's asynchronous snapshot, fsm version 3, needs an io with async_work, which
  // Debian's raft_uv 0.15 does not have.)
  //
  // Size rule: past the entry threshold, a snapshot is started only once the entries applied
  // since the last one add up to at least its size. Encoding the whole state then costs at most
  // about one byte per byte written, however large the state grows (with a fixed threshold it
  // would grow with the state).
  static int fsm_snapshot(struct raft_fsm* fsm, struct raft_buffer* bufs[], unsigned* n_bufs) {
    auto* self = static_cast<Impl*>(fsm->data);
    if (!self->preparing) {
      if (self->applied_bytes < self->snapshot_bytes) return RAFT_BUSY;
      {
        std::lock_guard<std::mutex> lock(self->mu);
        ++self->snapshot_requests;
        self->snapshot_state.reset();
        self->ready.push_back(LogItem{LogItem::SNAPSHOT, {}, {}, {}});
      }
      self->wake_service();
      self->preparing = true;
      self->tail.clear();
      return RAFT_BUSY;
    }
    const std::int64_t t0 = mono_ms();
    auto taking = std::make_unique<Taking>();
    {
      std::lock_guard<std::mutex> lock(self->mu);
      if (!self->snapshot_state) return RAFT_BUSY;
      taking->state = std::move(*self->snapshot_state);
      self->snapshot_state.reset();
    }
    taking->tail = std::move(self->tail);
    self->tail.clear();
    // The buffers point into `taking`, which snapshot_finalize releases once raft wrote them
    // (fsm version 2): neither the state nor the tail is copied on this thread.
    const auto pieces = raft_snapshot_pieces(taking->state, taking->tail, &taking->framing);
    auto* array = static_cast<struct raft_buffer*>(raft_malloc(pieces.size() * sizeof(struct raft_buffer)));
    if (!array) return RAFT_NOMEM;
    std::size_t len = 0;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      array[i].base = const_cast<char*>(pieces[i].data());
      array[i].len = pieces[i].size();
      len += pieces[i].size();
    }
    *bufs = array;
    *n_bufs = static_cast<unsigned>(pieces.size());
    spdlog::info("event=raft_snapshot index={} bytes={} tail={} ms={}", self->raft.last_applied, len,
                 taking->tail.size(), mono_ms() - t0);
    self->taking = std::move(taking);
    self->preparing = false;
    self->applied_bytes = 0;
    self->snapshot_bytes = len;
    return 0;
  }

  // Raft is done with the buffers of the snapshot fsm_snapshot gave it (written, or failed).
  static int fsm_snapshot_finalize(struct raft_fsm* fsm, struct raft_buffer* bufs[], unsigned* n_bufs) {
    auto* self = static_cast<Impl*>(fsm->data);
    raft_free(*bufs);
    *bufs = nullptr;
    *n_bufs = 0;
    self->taking.reset();
    return 0;
  }

  // A snapshot from the leader (InstallSnapshot) or loaded at start: the state, then the
  // entries of its tail, in order with everything else.
  static int fsm_restore(struct raft_fsm* fsm, struct raft_buffer* buf) {
    auto* self = static_cast<Impl*>(fsm->data);
    const std::int64_t t0 = mono_ms();
    // Restore owns the buffer: the RESTORE item holds it, so the state is read where it lies.
    std::shared_ptr<const void> hold(buf->base, [](const void* p) { raft_free(const_cast<void*>(p)); });
    std::string_view state;
    std::vector<std::string_view> tail;
    const bool ok = decode_raft_snapshot_view(std::string_view(static_cast<const char*>(buf->base), buf->len), &state, &tail);
    self->snapshot_bytes = buf->len;
    if (!ok) spdlog::error("event=bad_raft_snapshot len={}", self->snapshot_bytes);
    self->applied_bytes = 0;
    self->preparing = false;
    self->tail.clear();
    {
      std::lock_guard<std::mutex> lock(self->mu);
      // The service refuses an empty or garbled state (and stops): it must not serve from it.
      LogItem restore{LogItem::RESTORE, {}, {}, {}};
      if (ok) restore.hold = hold, restore.snapshot = state;
      self->ready.push_back(std::move(restore));
      for (auto e : tail) {
        for (auto& c : split_raft_entry(e)) self->ready.push_back(LogItem{LogItem::APPLY, std::move(c), {}, {}});
      }
      self->answers_valid_from = self->snapshot_requests + 1;  // a state asked for before is stale
      self->snapshot_state.reset();
    }
    self->wake_service();
    spdlog::info("event=raft_restore bytes={} tail={} ms={}", self->snapshot_bytes, tail.size(), mono_ms() - t0);
    return 0;
  }

  // ---- Loop callbacks (raft thread) ---------------------------------------------------------------

  static void on_async(uv_async_t* handle) {
    auto* self = static_cast<Impl*>(handle->data);
    std::vector<std::pair<std::uint64_t, std::string>> commands;
    std::vector<MembershipChange> changes;
    bool stop;
    {
      std::lock_guard<std::mutex> lock(self->mu);
      commands.swap(self->submitted);
      changes.swap(self->changes);
      stop = self->stopping;
    }
    if (stop) return self->close();
    if (!commands.empty()) self->submit(std::move(commands));
    for (auto& c : changes) self->change(std::move(c));
  }

  // ---- Membership (raft thread) -------------------------------------------------------------------

  struct ChangeRequest {
    struct raft_change req {};
    Impl* self = nullptr;
    MembershipChange change;
  };

  void changed(const MembershipChange& c, Error error) { push(LogItem{LogItem::CHANGED, {}, {c.seq}, std::move(error)}); }

  Error change_error(const char* what, int rv) {
    if (rv == RAFT_NOTLEADER) return not_leader();
    if (rv == RAFT_DUPLICATEID || rv == RAFT_DUPLICATEADDRESS || rv == RAFT_BADID || rv == RAFT_BADROLE) {
      return make_error(ErrorCode::FAILED_PRECONDITION, std::string(what) + ": " + raft_strerror(rv));
    }
    if (rv == RAFT_CANTCHANGE) {
      return make_error(ErrorCode::UNAVAILABLE, std::string(what) + ": another change is under way; retry");
    }
    return raft_error(what, rv, raft_errmsg(&raft));
  }

  // ADD is two steps, each a configuration entry: raft_add (a spare), then raft_assign (a
  // voter, once it has caught up). REMOVE is one.
  void change(MembershipChange c) {
    if (raft_state(&raft) != RAFT_LEADER) return changed(c, not_leader());
    auto* r = new ChangeRequest;
    r->self = this;
    r->req.data = r;
    r->change = c;
    int rv = c.kind == MembershipChange::ADD ? raft_add(&raft, &r->req, c.id, c.address.c_str(), on_added)
                                             : raft_remove(&raft, &r->req, c.id, on_change_done);
    if (rv != 0) {
      delete r;
      changed(c, change_error(c.kind == MembershipChange::ADD ? "raft_add" : "raft_remove", rv));
    }
  }

  static void on_added(struct raft_change* req, int status) {
    auto* r = static_cast<ChangeRequest*>(req->data);
    Impl* self = r->self;
    if (status != 0) {
      self->changed(r->change, self->change_error("raft_add", status));
      delete r;
      return;
    }
    r->req = {};
    r->req.data = r;
    int rv = raft_assign(&self->raft, &r->req, r->change.id, RAFT_VOTER, on_change_done);
    if (rv != 0) {
      self->changed(r->change, self->change_error("raft_assign", rv));
      delete r;
    }
  }

  static void on_change_done(struct raft_change* req, int status) {
    auto* r = static_cast<ChangeRequest*>(req->data);
    r->self->changed(r->change, status == 0 ? Error{} : r->self->change_error("membership change", status));
    if (status == 0) {
      spdlog::info("event=membership_changed op={} id={} address={}",
                   r->change.kind == MembershipChange::ADD ? "add" : "remove", r->change.id, r->change.address);
    }
    delete r;
  }

  // Every command of one turn in one raft entry (encode_raft_batch), one raft_apply: one entry
  // to write, send and apply instead of one per command; one AppendEntries per follower
  // (each raft_apply costs one).
  void submit(std::vector<std::pair<std::uint64_t, std::string>> commands) {
    std::vector<std::uint64_t> seqs;
    for (const auto& c : commands) seqs.push_back(c.first);
    if (raft_state(&raft) != RAFT_LEADER) return fail(std::move(seqs), not_leader());
    std::vector<struct raft_buffer> bufs(1);
    bufs[0].base = frame(commands.size() == 1 ? commands[0].second : encode_raft_batch(commands), &bufs[0].len);
    auto* req = new ApplyRequest;
    req->self = this;
    req->req.data = req;
    req->seqs = seqs;
    req->sent_ms = mono_ms();
    req->sent = std::chrono::steady_clock::now();
    req->term = raft.current_term;
    const std::size_t bytes = bufs[0].len;
    int rv = raft_apply(&raft, &req->req, bufs.data(), static_cast<unsigned>(bufs.size()), on_applied);
    if (rv != 0) {
      for (auto& b : bufs) raft_free(b.base);  // not taken over on failure
      delete req;
      fail(std::move(seqs), rv == RAFT_NOTLEADER ? not_leader()
                                                 : raft_error("raft_apply", rv, raft_errmsg(&raft)));
      return;
    }
    last_apply_sent_ms = req->sent_ms;
    ++applies_in_flight;
    ++load.appended;
    load.commands += commands.size();
    load.bytes += bytes;
    load.max_in_flight = std::max(load.max_in_flight, applies_in_flight);
  }

  // Called once per raft_apply: when its first entry was applied, or when it failed. Replies
  // come from the APPLY items; a failure means these commands may or may not commit later.
  static void on_applied(struct raft_apply* req, int status, void*) {
    auto* r = static_cast<ApplyRequest*>(req->data);
    if (r->self->applies_in_flight > 0) --r->self->applies_in_flight;
    if (status == 0) {
      r->self->confirm(r->sent_ms, r->term);
      r->self->load.commit_ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - r->sent).count());
    }
    if (status != 0) {
      r->self->fail(std::move(r->seqs),
                    make_error(ErrorCode::UNAVAILABLE, std::string("leadership changed before the commit (") +
                                                           raft_strerror(status) +
                                                           "): outcome unknown, retry with the same request id"));
    }
    delete r;
  }

  // While leading: one barrier at a time, every lease/4, keeps the lease fresh when no command
  // is appended.
  static void on_lease_timer(uv_timer_t* handle) {
    auto* self = static_cast<Impl*>(handle->data);
    if (self->closing || self->barrier_in_flight || raft_state(&self->raft) != RAFT_LEADER) return;
    // Confirmed within the last quarter lease by an append of the service's own: no barrier needed.
    if (self->lease_term.load() == self->raft.current_term &&
        self->lease_until_ms.load() - mono_ms() > static_cast<std::int64_t>(self->lease_ms()) * 3 / 4) {
      return;
    }
    // An append of the service's own, sent within the last quarter lease, is still in flight:
    // its commit confirms the lease from its send time as a barrier sent now would, give or
    // take that quarter. Under load (commits slower than lease/4) a barrier would only be one
    // more entry for every replica to write to disk, in the way of the service's entries.
    if (self->applies_in_flight > 0 &&
        mono_ms() - self->last_apply_sent_ms < static_cast<std::int64_t>(self->lease_ms()) / 4) {
      return;
    }
    auto* b = new BarrierRequest;
    b->self = self;
    b->req.data = b;
    b->sent_ms = mono_ms();
    b->term = self->raft.current_term;
    if (raft_barrier(&self->raft, &b->req, on_barrier) != 0) {
      delete b;
      return;
    }
    self->barrier_in_flight = true;
    ++self->load.barriers;
  }

  static void on_barrier(struct raft_barrier* req, int status) {
    auto* b = static_cast<BarrierRequest*>(req->data);
    b->self->barrier_in_flight = false;
    if (status == 0) b->self->confirm(b->sent_ms, b->term);
    delete b;
  }

  // Once a second at debug level: entries and commands appended (leader), their bytes, how
  // many appends were in flight at most, their commit latency (raft_apply to its callback:
  // the leader's own write and a follower's, whichever is later), entries applied.
  void log_load() {
    const std::int64_t now = mono_ms();
    if (now - load.since_ms < 1000) return;
    if (spdlog::should_log(spdlog::level::debug) && (load.appended || load.applied)) {
      auto& ms = load.commit_ms;
      std::sort(ms.begin(), ms.end());
      auto at = [&](double q) { return ms.empty() ? 0.0 : ms[static_cast<std::size_t>(q * (ms.size() - 1))]; };
      spdlog::debug(
          "event=raft_load ms={} appended={} commands={} bytes={} max_in_flight={} barriers={} applied={} "
          "commit_ms_p50={:.2f} commit_ms_p90={:.2f} commit_ms_max={:.2f}",
          now - load.since_ms, load.appended, load.commands, load.bytes, load.max_in_flight, load.barriers,
          load.applied, at(0.5), at(0.9), at(1.0));
    }
    load = Load{};
    load.since_ms = now;
  }

  static void on_timer(uv_timer_t* handle) {
    auto* self = static_cast<Impl*>(handle->data);
    self->log_load();
    self->commit_index.store(self->raft.commit_index);
    self->applied_index.store(self->raft.last_applied);
    self->last_index.store(raft_last_index(&self->raft));
    if (raft_state(&self->raft) != RAFT_LEADER) self->lease_until_ms.store(0);
    RoleInfo now;
    switch (raft_state(&self->raft)) {
      case RAFT_LEADER: now.role = Role::LEADER; break;
      case RAFT_FOLLOWER: now.role = Role::FOLLOWER; break;
      case RAFT_CANDIDATE: now.role = Role::CANDIDATE; break;
      default: now.role = Role::UNAVAILABLE;
    }
    raft_id leader = 0;
    const char* address = nullptr;
    raft_leader(&self->raft, &leader, &address);
    if (leader != 0) now.leader_id = std::to_string(leader);
    now.term = self->raft.current_term;
    bool changed;
    {
      std::lock_guard<std::mutex> lock(self->mu);
      changed = now != self->role;
      self->role = now;
    }
    if (changed) self->wake_service();
  }

  void close() {
    if (closing) return;
    closing = true;
    uv_timer_stop(&timer);
    uv_timer_stop(&lease_timer);
    raft_close(&raft, [](struct raft* r) {
      auto* self = static_cast<Impl*>(r->data);
      raft_uv_close(&self->io);
      raft_uv_tcp_close(&self->transport);
      uv_close(reinterpret_cast<uv_handle_t*>(&self->async), nullptr);
      uv_close(reinterpret_cast<uv_handle_t*>(&self->timer), nullptr);
      uv_close(reinterpret_cast<uv_handle_t*>(&self->lease_timer), nullptr);
    });
  }

  // ---- The raft thread ------------------------------------------------------------------------------

  Status setup() {
    std::string address = options.peers.at(options.id);
    if (int rv = uv_loop_init(&loop); rv != 0) return make_error(ErrorCode::INTERNAL, uv_strerror(rv));
    if (int rv = raft_uv_tcp_init(&transport, &loop); rv != 0) return raft_error("raft_uv_tcp_init", rv, "");
    set_nodelay(&transport);
    if (int rv = raft_uv_init(&io, &loop, options.dir.c_str(), &transport); rv != 0) {
      return raft_error("raft_uv_init", rv, io.errmsg);
    }
    raft_uv_set_connect_retry_delay(&io, options.connect_retry_ms);
    fsm.version = 2;
    fsm.data = this;
    fsm.apply = fsm_apply;
    fsm.snapshot = fsm_snapshot;
    fsm.restore = fsm_restore;
    fsm.snapshot_finalize = fsm_snapshot_finalize;
    if (int rv = raft_init(&raft, &io, &fsm, options.id, address.c_str()); rv != 0) {
      return raft_error("raft_init", rv, raft_errmsg(&raft));
    }
    raft.data = this;
    struct raft_configuration conf;
    raft_configuration_init(&conf);
    for (const auto& [id, addr] : options.peers) raft_configuration_add(&conf, id, addr.c_str(), RAFT_VOTER);
    // A joining replica starts with no configuration: the leader's log brings it.
    int rv = options.join ? RAFT_CANTBOOTSTRAP : raft_bootstrap(&raft, &conf);
    raft_configuration_close(&conf);
    if (rv != 0 && rv != RAFT_CANTBOOTSTRAP) return raft_error("raft_bootstrap", rv, raft_errmsg(&raft));
    tune_raft(&raft, options);
    if (int r2 = raft_start(&raft); r2 != 0) return raft_error("raft_start", r2, raft_errmsg(&raft));
    uv_async_init(&loop, &async, on_async);
    async.data = this;
    uv_timer_init(&loop, &timer);
    timer.data = this;
    uv_timer_start(&timer, on_timer, 0, kRolePollMs);
    uv_timer_init(&loop, &lease_timer);
    lease_timer.data = this;
    uv_timer_start(&lease_timer, on_lease_timer, 0, std::max(1u, lease_ms() / 4));
    return {};
  }

  void run(std::promise<Status>& ready_promise) {
    Status s = setup();
    bool ok = s.ok();
    ready_promise.set_value(s);
    if (!ok) return;  // half-initialised raft is abandoned: the process exits on a failed start
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }
};

void tune_raft(struct ::raft* r, const RaftOptions& options) {
  raft_set_election_timeout(r, options.election_timeout_ms);
  raft_set_heartbeat_timeout(r, options.heartbeat_timeout_ms);
  raft_set_pre_vote(r, true);
  raft_set_snapshot_threshold(r, options.snapshot_threshold);
  raft_set_snapshot_trailing(r, options.snapshot_trailing);
  raft_set_install_snapshot_timeout(r, options.install_snapshot_timeout_ms);
}

RaftLog::RaftLog(RaftOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

RaftLog::~RaftLog() { stop(); }

Status RaftLog::start() {
  auto& o = impl_->options;
  if (o.id == 0 || o.peers.count(o.id) == 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "--id " + std::to_string(o.id) + " is not one of --peers");
  }
  std::error_code ec;
  std::filesystem::create_directories(o.dir, ec);
  if (ec) return make_error(ErrorCode::INTERNAL, "cannot create " + o.dir + ": " + ec.message());
  // Raft writes to peers without MSG_NOSIGNAL, so writing to a dead one raises SIGPIPE: a
  // killed leader must not take the followers down with it.
  std::signal(SIGPIPE, SIG_IGN);
  std::promise<Status> ready;
  auto started = ready.get_future();
  impl_->thread = std::thread([this, &ready] { impl_->run(ready); });
  Status s = started.get();
  if (!s) {
    impl_->thread.join();
    return s;
  }
  impl_->started = true;
  return {};
}

void RaftLog::stop() {
  if (!impl_->started) return;
  impl_->started = false;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  uv_async_send(&impl_->async);
  impl_->thread.join();
}

void RaftLog::append(std::vector<std::pair<std::uint64_t, std::string>> commands) {
  if (commands.empty()) return;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (auto& c : commands) impl_->submitted.push_back(std::move(c));
  }
  uv_async_send(&impl_->async);
}

void RaftLog::take(std::deque<LogItem>& out) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (auto& i : impl_->ready) out.push_back(std::move(i));
  impl_->ready.clear();
}

int RaftLog::fd() const { return impl_->event_fd; }

void RaftLog::drain_wakeups() {
  std::uint64_t v;
  while (::read(impl_->event_fd, &v, sizeof v) == sizeof v) {
  }
}

RoleInfo RaftLog::role() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->role;
}

void RaftLog::change_membership(const MembershipChange& change) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->changes.push_back(change);
  }
  uv_async_send(&impl_->async);
}

bool RaftLog::lease_valid() const {
  RoleInfo r = role();
  return r.role == Role::LEADER && impl_->lease_term.load() == r.term && Impl::mono_ms() < impl_->lease_until_ms.load();
}

LogProgress RaftLog::progress() const {
  return LogProgress{impl_->commit_index.load(), impl_->applied_index.load(), impl_->last_index.load()};
}

void RaftLog::snapshot_taken(std::string state) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto answer = ++impl_->snapshot_answers;
  if (answer == impl_->snapshot_requests && answer >= impl_->answers_valid_from) {
    impl_->snapshot_state = std::move(state);
  }
}

Result<std::map<std::uint64_t, std::string>> RaftLog::parse_peers(const std::string& text) {
  std::map<std::uint64_t, std::string> peers;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    start = end + 1;
    if (item.empty()) {
      if (end == text.size()) break;
      continue;
    }
    auto at = item.find('@');
    std::uint64_t id = 0;
    auto [p, ec] = std::from_chars(item.data(), item.data() + (at == std::string::npos ? 0 : at), id);
    if (at == std::string::npos || ec != std::errc() || p != item.data() + at || id == 0 ||
        item.find(':', at) == std::string::npos) {
      return make_error(ErrorCode::INVALID_ARGUMENT,
                        "--peers: '" + item + "' is not ID@HOST:PORT with an ID of 1 or more");
    }
    if (!peers.emplace(id, item.substr(at + 1)).second) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "--peers: id " + std::to_string(id) + " appears twice");
    }
  }
  return peers;
}

}  // namespace orion
