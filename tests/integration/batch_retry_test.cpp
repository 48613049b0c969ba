// A SUBMIT_BATCH retried with its request id gets its first answer again, entry for entry
// (entries that hit an existing idempotency_key included), and makes no task twice: on the live
// scheduler, and after kill -9 and a restart of it (docs/protocol.md 5.4).
#include <gtest/gtest.h>

#include "common/sockets.h"
#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

// Sends `request` (its request id as given) on a fresh DEALER until an answer comes, or
// `timeout_ms` passes: a scheduler that is restarting answers a later try.
Result<Envelope> ask(zmq::context_t& ctx, const std::string& endpoint, const Envelope& request, std::int64_t timeout_ms) {
  auto deadline = now_ms() + timeout_ms;
  while (now_ms() < deadline) {
    SocketOptions so;
    so.linger_ms = 0;
    auto s = make_socket(ctx, zmq::socket_type::dealer, so);
    s.connect(endpoint);
    send_envelope(s, request);
    zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(1000));
    Incoming in;
    if (receive(s, in, false)) {
      if (!in.envelope) return in.envelope.error();
      return *in.envelope;
    }
  }
  return make_error(ErrorCode::DEADLINE_EXCEEDED, "no answer from " + endpoint);
}

Result<SubmitBatchOk> submit_batch(zmq::context_t& ctx, const std::string& endpoint, const SubmitBatch& batch,
                                   const std::string& request_id) {
  auto answer = ask(ctx, endpoint, Envelope{MsgType::SUBMIT_BATCH, request_id, batch.to_body()}, 30'000);
  if (!answer) return answer.error();
  if (answer->type != MsgType::SUBMIT_BATCH_OK) return make_error(ErrorCode::INTERNAL, "not SUBMIT_BATCH_OK");
  return SubmitBatchOk::from_body(body_of(*answer));
}

class BatchRetryTest : public ClusterTest {};

TEST_F(BatchRetryTest, ARetriedBatchGetsItsFirstAnswerEntryForEntryBeforeAndAfterAKill9AndMakesNothingTwice) {
  cluster.start_registry();
  cluster.start_scheduler();
  sdk::Client client(cluster.client_options());
  auto held = [](const std::string& key) {
    TaskSpec s;
    s.type = "echo";
    s.capabilities = {"nobody"};  // no agent: every task stays PENDING
    s.idempotency_key = key;
    return s;
  };
  auto older = client.submit(held("nightly"));
  ASSERT_TRUE(older.ok()) << older.error().to_string();

  // The first entry hits the older task's key; "twin" repeats "fresh"'s key within the batch.
  SubmitBatch batch;
  batch.tasks = {BatchEntry{"hit", held("nightly")}, BatchEntry{"fresh", held("fresh-key")},
                 BatchEntry{"twin", held("fresh-key")}, BatchEntry{"plain", held("")}};
  batch.tasks[3].spec.depends_on = {"fresh"};
  zmq::context_t ctx(1);
  auto first = submit_batch(ctx, cluster.scheduler_client, batch, "batch-retry-1");
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_FALSE(first->duplicate);
  ASSERT_EQ(first->task_ids.size(), 4u);
  EXPECT_EQ(first->task_ids.at("hit"), *older);
  EXPECT_EQ(first->task_ids.at("twin"), first->task_ids.at("fresh"));

  auto again = submit_batch(ctx, cluster.scheduler_client, batch, "batch-retry-1");
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->task_ids, first->task_ids) << "every entry, the idempotent hits too";

  cluster.scheduler().kill9();
  cluster.start_scheduler();  // same ports, same data directory
  auto after = submit_batch(ctx, cluster.scheduler_client, batch, "batch-retry-1");
  ASSERT_TRUE(after.ok()) << after.error().to_string();
  EXPECT_TRUE(after->duplicate);
  EXPECT_EQ(after->task_ids, first->task_ids);

  ListTasks all;
  all.limit = 100;
  auto list = client.list(all);
  ASSERT_TRUE(list.ok()) << list.error().to_string();
  EXPECT_EQ(list->tasks.size(), 3u) << "the older task, 'fresh' and 'plain': nothing made twice";
}

}  // namespace
}  // namespace orion::testing
