// StreamTable (core/proxy/detail/stream_table.hpp): an HTTP/2 connection's open streams by id.
#include "proxy/detail/stream_table.hpp"

#include <gtest/gtest.h>

#include <string>

namespace bridge::proxy {
namespace {

using Table = StreamTable<std::string>;

TEST(StreamTable, FindsWhatWasAddedAndForgetsWhatWasTaken) {
  Table table;
  for (int32_t id : {1, 3, 5, 7}) table.add(id, std::make_shared<std::string>(std::to_string(id)));
  ASSERT_EQ(table.size(), 4u);
  ASSERT_NE(table.find(5), nullptr);
  EXPECT_EQ(*table.find(5), "5");
  EXPECT_EQ(table.find(4), nullptr);
  EXPECT_EQ(table.find(9), nullptr);
  auto taken = table.take(3);
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, "3");
  EXPECT_EQ(table.find(3), nullptr);
  EXPECT_EQ(table.take(3), nullptr);  // only once
  EXPECT_EQ(*table.shared(7), "7");
  EXPECT_EQ(table.size(), 3u);
}

// The last stream found answers the next lookups of its id until it leaves the table.
TEST(StreamTable, TheStreamFoundLastIsForgottenWhenTakenOrReplaced) {
  Table table;
  table.add(1, std::make_shared<std::string>("one"));
  EXPECT_EQ(*table.find(1), "one");
  EXPECT_EQ(*table.find(1), "one");
  ASSERT_NE(table.take(1), nullptr);
  EXPECT_EQ(table.find(1), nullptr);
  table.add(1, std::make_shared<std::string>("again"));  // the empty entry of id 1, refilled
  EXPECT_EQ(*table.find(1), "again");
  table.clear();
  EXPECT_EQ(table.find(1), nullptr);
}

// Ids normally only grow; one that does not still lands in order and is found.
TEST(StreamTable, AnIdBelowTheLastIsStillFound) {
  Table table;
  table.add(9, std::make_shared<std::string>("9"));
  table.add(3, std::make_shared<std::string>("3"));
  table.add(11, std::make_shared<std::string>("11"));
  EXPECT_EQ(*table.find(3), "3");
  EXPECT_EQ(*table.find(9), "9");
  EXPECT_EQ(*table.find(11), "11");
  std::string order;
  table.for_each([&](std::string& stream) { order += stream + ","; });
  EXPECT_EQ(order, "3,9,11,");
}

// One stream stays open while thousands open and close after it: the table holds the open
// ones, not an entry for every stream the connection ever had.
TEST(StreamTable, ClosedEntriesDoNotPileUpBehindALongLivedStream) {
  Table table;
  table.add(1, std::make_shared<std::string>("long"));
  for (int32_t id = 3; id < 20003; id += 2) {
    table.add(id, std::make_shared<std::string>("short"));
    ASSERT_NE(table.take(id), nullptr);
  }
  EXPECT_EQ(table.size(), 1u);
  size_t visited = 0;
  table.for_each([&](std::string&) { ++visited; });
  EXPECT_EQ(visited, 1u);
  EXPECT_EQ(*table.find(1), "long");
  EXPECT_LE(table.capacity_used(), 32u);
}

}  // namespace
}  // namespace bridge::proxy
