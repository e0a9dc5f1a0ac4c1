// adaptive_buffer and buffer_budget: how the uppercase server bounds its memory per connection.
#include "tcpkit/core/adaptive_buffer.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace tcpkit {
namespace {

TEST(AdaptiveBuffer, StartsSmallAndDoublesOnlyWhenAReadFillsIt) {
  adaptive_buffer buffer(1024, 8192, nullptr);
  EXPECT_EQ(buffer.size(), 1024u);
  buffer.consumed(1000);  // a partial read: the peer is not ahead of us
  EXPECT_EQ(buffer.size(), 1024u);
  buffer.consumed(1024);
  EXPECT_EQ(buffer.size(), 2048u);
  std::memset(buffer.data(), 'x', buffer.size());  // the new size is usable
  buffer.consumed(2048);
  buffer.consumed(4096);
  EXPECT_EQ(buffer.size(), 8192u);
  buffer.consumed(8192);  // never beyond the chunk
  EXPECT_EQ(buffer.size(), 8192u);
}

TEST(AdaptiveBuffer, GrowthComesFromTheSharedBudgetAndGoesBackAtTheEnd) {
  buffer_budget budget(3 * 1024);
  {
    adaptive_buffer first(1024, 1 << 20, &budget);
    first.consumed(1024);  // 1 KiB -> 2 KiB takes 1 KiB
    EXPECT_EQ(budget.left(), 2048u);
    first.consumed(2048);  // 2 -> 4 KiB takes 2 KiB
    EXPECT_EQ(first.size(), 4096u);
    EXPECT_EQ(budget.left(), 0u);

    adaptive_buffer second(1024, 1 << 20, &budget);
    second.consumed(1024);  // nothing left: stays at its starting size
    EXPECT_EQ(second.size(), 1024u);
    first.consumed(4096);
    EXPECT_EQ(first.size(), 4096u);
  }
  EXPECT_EQ(budget.left(), 3u * 1024);
}

TEST(AdaptiveBuffer, BudgetTakesAllOrNothing) {
  buffer_budget budget(100);
  EXPECT_FALSE(budget.take(101));
  EXPECT_EQ(budget.left(), 100u);
  EXPECT_TRUE(budget.take(100));
  EXPECT_FALSE(budget.take(1));
  budget.give_back(40);
  EXPECT_TRUE(budget.take(40));
}

}  // namespace
}  // namespace tcpkit
