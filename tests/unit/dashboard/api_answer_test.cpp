// The API's error answers and the checks an operator action passes.
#include "services/dashboard/api_answer.h"

#include <gtest/gtest.h>

namespace orion::dashboard {
namespace {

TEST(ApiAnswerTest, AnErrorIsJsonWithItsCodeAndMessageAndAMatchingStatus) {
  ApiAnswer a = api_error(ErrorCode::NOT_FOUND, "no task t9");
  EXPECT_EQ(a.status, 404);
  EXPECT_EQ(a.content_type, "application/json");
  EXPECT_EQ(Json::parse(a.body), (Json{{"code", "NOT_FOUND"}, {"message", "no task t9"}}));
  EXPECT_EQ(http_status(ErrorCode::PERMISSION_DENIED), 403);
  EXPECT_EQ(http_status(ErrorCode::INVALID_ARGUMENT), 400);
  EXPECT_EQ(http_status(ErrorCode::UNAVAILABLE), 503);
  EXPECT_EQ(http_status(ErrorCode::FAILED_PRECONDITION), 409);
  EXPECT_EQ(http_status(ErrorCode::INTERNAL), 500);
}

ActionHeaders same_origin() {
  ActionHeaders h;
  h.x_orion_action = "1";
  h.origin = "http://127.0.0.1:7400";
  h.host = "127.0.0.1:7400";
  return h;
}

TEST(RefuseActionTest, OnLoopbackWithoutATokenASameOriginActionGoesAhead) {
  EXPECT_EQ(refuse_action(same_origin(), ActionGuard{}), std::nullopt);
  ActionHeaders no_origin = same_origin();
  no_origin.origin = "";  // curl, a script: no Origin at all
  EXPECT_EQ(refuse_action(no_origin, ActionGuard{}), std::nullopt);
}

TEST(RefuseActionTest, WithoutTheActionHeaderItIsRefused) {
  ActionHeaders h = same_origin();
  h.x_orion_action = "";
  auto a = refuse_action(h, ActionGuard{});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 403);
  EXPECT_EQ(Json::parse(a->body)["code"], "PERMISSION_DENIED");
}

TEST(RefuseActionTest, AnotherOriginIsRefused) {
  ActionHeaders h = same_origin();
  h.origin = "http://evil.example";
  ASSERT_TRUE(refuse_action(h, ActionGuard{}));
}

TEST(RefuseActionTest, BeyondLoopbackActionsNeedAToken) {
  auto a = refuse_action(same_origin(), ActionGuard{"", false});
  ASSERT_TRUE(a);
  EXPECT_NE(Json::parse(a->body)["message"].get<std::string>().find("--action-token"), std::string::npos);
}

TEST(RefuseActionTest, WithATokenOnlyTheRightBearerGoesAhead) {
  const ActionGuard guard{"0123456789abcdef", false};
  ActionHeaders h = same_origin();
  auto missing = refuse_action(h, guard);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  h.authorization = "Bearer 0123456789abcdeX";
  ASSERT_TRUE(refuse_action(h, guard));
  h.authorization = "Bearer 0123456789abcdef";
  EXPECT_EQ(refuse_action(h, guard), std::nullopt);
}

}  // namespace
}  // namespace orion::dashboard
