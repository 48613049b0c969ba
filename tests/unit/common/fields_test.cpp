// Tests of common/fields.*: typed, bounded reads of named fields, whose errors are
// INVALID_ARGUMENT and name the field.
#include "common/fields.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace orion {
namespace {

bool names_field(const Fields& f, const std::string& key) {
  return f.error().code == ErrorCode::INVALID_ARGUMENT &&
         f.error().message.find("field '" + key + "'") != std::string::npos;
}

TEST(Fields, ReadsAStringAndIgnoresUnknownFields) {
  Json body = {{"name", "n\xC3\xA9"}, {"unknown", {{"deep", 1}}}};
  Fields f(body);
  std::string name;
  f.str("name", name, Need::REQUIRED);
  EXPECT_TRUE(f.ok());
  EXPECT_EQ(name, "n\xC3\xA9");
}

TEST(Fields, TreatsAnAbsentOrNilRequiredFieldAsMissingAndNamesIt) {
  for (const Json& body : {Json::object(), Json{{"type", nullptr}}}) {
    Fields f(body);
    std::string type;
    f.str("type", type, Need::REQUIRED);
    EXPECT_FALSE(f.ok());
    EXPECT_TRUE(names_field(f, "type")) << f.error().message;
    EXPECT_NE(f.error().message.find("required"), std::string::npos);
  }
}

TEST(Fields, LeavesTheOutputUntouchedWhenAnOptionalFieldIsAbsentOrNil) {
  Json body = {{"b", nullptr}};
  Fields f(body);
  std::string s = "keep";
  std::int64_t i = 7;
  double d = 1.5;
  bool flag = true;
  std::vector<std::string> list = {"x"};
  std::map<std::string, std::string> map = {{"k", "v"}};
  Json obj = {{"m", 1}};
  f.str("a", s, Need::OPTIONAL);
  f.integer("b", i, Need::OPTIONAL, 0, 10);
  f.number("a", d, Need::OPTIONAL, 0, 10);
  f.boolean("a", flag, Need::OPTIONAL);
  f.str_list("a", list, Need::OPTIONAL);
  f.str_map("a", map, Need::OPTIONAL);
  f.object("a", obj, Need::OPTIONAL);
  EXPECT_TRUE(f.ok());
  EXPECT_EQ(s, "keep");
  EXPECT_EQ(i, 7);
  EXPECT_EQ(d, 1.5);
  EXPECT_TRUE(flag);
  EXPECT_EQ(list, std::vector<std::string>{"x"});
  EXPECT_EQ(map.at("k"), "v");
  EXPECT_EQ(obj, (Json{{"m", 1}}));
}

TEST(Fields, RefusesAStringOfTheWrongTypeOrOverItsBound) {
  Json body = {{"n", 5}, {"long", std::string(kMaxNameBytes + 1, 'x')}, {"fits", std::string(kMaxNameBytes, 'x')}};
  std::string out;
  {
    Fields f(body);
    f.str("n", out, Need::OPTIONAL);
    EXPECT_TRUE(names_field(f, "n"));
  }
  {
    Fields f(body);
    f.str("long", out, Need::OPTIONAL);
    EXPECT_TRUE(names_field(f, "long"));
  }
  {
    Fields f(body);
    f.str("fits", out, Need::OPTIONAL);
    EXPECT_TRUE(f.ok());
    f.str("fits", out, Need::OPTIONAL, 10);
    EXPECT_TRUE(names_field(f, "fits"));
  }
}

TEST(Fields, ReadsIntegersWithInclusiveBounds) {
  Json body = {{"lo", 1}, {"hi", 5}, {"under", 0}, {"over", 6}, {"neg", -3}};
  std::int64_t x = 0;
  Fields f(body);
  f.integer("lo", x, Need::REQUIRED, 1, 5);
  EXPECT_EQ(x, 1);
  f.integer("hi", x, Need::REQUIRED, 1, 5);
  EXPECT_EQ(x, 5);
  f.integer("neg", x, Need::REQUIRED, -5, 5);
  EXPECT_EQ(x, -3);
  EXPECT_TRUE(f.ok());
  for (const char* key : {"under", "over"}) {
    Fields g(body);
    g.integer(key, x, Need::REQUIRED, 1, 5);
    EXPECT_TRUE(names_field(g, key)) << key;
  }
}

TEST(Fields, RefusesAnUnsignedIntegerAboveInt64MaxAndANonInteger) {
  Json body = {{"big", std::numeric_limits<std::uint64_t>::max()}, {"float", 2.0}, {"str", "2"}, {"bool", true}};
  for (const char* key : {"big", "float", "str", "bool"}) {
    Fields f(body);
    std::int64_t x = 0;
    f.integer(key, x, Need::REQUIRED, INT64_MIN, INT64_MAX);
    EXPECT_TRUE(names_field(f, key)) << key;
  }
  Json max = {{"max", std::numeric_limits<std::int64_t>::max()}, {"min", std::numeric_limits<std::int64_t>::min()}};
  Fields f(max);
  std::int64_t a = 0, b = 0;
  f.integer("max", a, Need::REQUIRED, INT64_MIN, INT64_MAX);
  f.integer("min", b, Need::REQUIRED, INT64_MIN, INT64_MAX);
  EXPECT_TRUE(f.ok());
  EXPECT_EQ(a, INT64_MAX);
  EXPECT_EQ(b, INT64_MIN);
}

TEST(Fields, ReadsANumberFromAFloatOrAnIntegerWithinBounds) {
  Json body = {{"f", 42.5}, {"i", 7}, {"nan", std::nan("")}, {"inf", HUGE_VAL}, {"over", 100.5}, {"s", "1"}};
  double x = 0;
  Fields f(body);
  f.number("f", x, Need::REQUIRED, 0, 100);
  EXPECT_EQ(x, 42.5);
  f.number("i", x, Need::REQUIRED, 0, 100);
  EXPECT_EQ(x, 7.0);
  EXPECT_TRUE(f.ok());
  for (const char* key : {"nan", "inf", "over", "s"}) {
    Fields g(body);
    g.number(key, x, Need::REQUIRED, 0, 100);
    EXPECT_TRUE(names_field(g, key)) << key;
  }
}

TEST(Fields, ReadsOnlyTrueAndFalseAsBooleans) {
  Json body = {{"t", true}, {"one", 1}};
  bool b = false;
  Fields f(body);
  f.boolean("t", b, Need::REQUIRED);
  EXPECT_TRUE(b);
  f.boolean("one", b, Need::REQUIRED);
  EXPECT_TRUE(names_field(f, "one"));
}

TEST(Fields, ReadsAListOfStringsAndRefusesOtherShapes) {
  Json body = {{"caps", {"gpu", "ssd"}},
               {"not_list", "gpu"},
               {"mixed", {"gpu", 1}},
               {"long_item", {std::string(kMaxNameBytes + 1, 'c')}},
               {"many", Json::array()}};
  for (std::size_t i = 0; i <= kMaxListItems; ++i) body["many"].push_back("c");
  std::vector<std::string> out;
  Fields f(body);
  f.str_list("caps", out, Need::REQUIRED);
  EXPECT_EQ(out, (std::vector<std::string>{"gpu", "ssd"}));
  for (const char* key : {"not_list", "mixed", "long_item", "many"}) {
    Fields g(body);
    std::vector<std::string> untouched = {"before"};
    g.str_list(key, untouched, Need::REQUIRED);
    EXPECT_TRUE(names_field(g, key)) << key;
    EXPECT_EQ(untouched, std::vector<std::string>{"before"}) << "a failed read leaves the output as it was";
  }
}

TEST(Fields, ReadsAMapOfStringsAndRefusesOtherShapes) {
  Json body = {{"labels", {{"zone", "a"}}}, {"not_map", {"zone"}}, {"int_value", {{"zone", 1}}}};
  std::map<std::string, std::string> out;
  Fields f(body);
  f.str_map("labels", out, Need::REQUIRED);
  EXPECT_EQ(out.at("zone"), "a");
  for (const char* key : {"not_map", "int_value"}) {
    Fields g(body);
    g.str_map(key, out, Need::REQUIRED);
    EXPECT_TRUE(names_field(g, key)) << key;
  }
}

TEST(Fields, ReadsAnyValueAndGivesNilWhenAbsent) {
  Json body = {{"input", {{"x", Json::array({1, -2, 2.5})}}}};
  Json out = "previous";
  Fields f(body);
  f.any("input", out, Need::OPTIONAL);
  EXPECT_EQ(out, body["input"]);
  f.any("absent", out, Need::OPTIONAL);
  EXPECT_TRUE(out.is_null());
  EXPECT_TRUE(f.ok());
  f.any("absent", out, Need::REQUIRED);
  EXPECT_TRUE(names_field(f, "absent"));
}

TEST(Fields, ReadsAnObjectOnlyWhenItIsAMap) {
  Json body = {{"metadata", {{"k", "v"}}}, {"list", {1, 2}}};
  Json out = Json::object();
  Fields f(body);
  f.object("metadata", out, Need::OPTIONAL);
  EXPECT_EQ(out, (Json{{"k", "v"}}));
  f.object("list", out, Need::OPTIONAL);
  EXPECT_TRUE(names_field(f, "list"));
}

TEST(Fields, KeepsTheFirstErrorAndStopsReading) {
  Json body = {{"a", 1}, {"b", 2}, {"c", "ok"}};
  Fields f(body);
  std::string a, b, c;
  f.str("a", a, Need::REQUIRED);
  f.str("b", b, Need::REQUIRED);
  f.str("c", c, Need::REQUIRED);
  EXPECT_TRUE(names_field(f, "a"));
  EXPECT_EQ(f.error().message.find("'b'"), std::string::npos);
  EXPECT_EQ(c, "") << "reads after the first error do nothing";
}

}  // namespace
}  // namespace orion
