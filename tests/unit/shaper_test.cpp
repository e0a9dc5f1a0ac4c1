// The proxy's shaping policy as plain logic: slice sizes, pauses, the rate's clock and the cuts.
#include "tcpkit/programs/shaper.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace tcpkit {
namespace {

using std::chrono::milliseconds;

const clock::time_point t0 = clock::time_point{} + std::chrono::hours(1);

TEST(Shaper, UnshapedForwardsEachReadInOneWriteWithoutPause) {
  shaper s(shaping{}, 1);
  EXPECT_EQ(s.next_write(65536), 65536u);
  EXPECT_EQ(s.wrote(65536, t0), t0);
  EXPECT_EQ(s.release_time(t0), t0);
  EXPECT_EQ(s.cut(), cut_kind::none);
  EXPECT_FALSE(s.cut_due());
  EXPECT_EQ(s.forwarded(), 65536u);
  EXPECT_EQ(s.writes(), 1u);
  EXPECT_FALSE(shaping{}.shapes());
  EXPECT_EQ(describe(shaping{}), "unshaped");
}

TEST(Shaper, FixedSliceCutsEveryReadIntoSlicesOfThatSize) {
  shaping policy;
  policy.slice_min = policy.slice_max = 3;
  shaper s(policy, 1);
  EXPECT_EQ(s.next_write(16), 3u);
  EXPECT_EQ(s.next_write(2), 2u);  // the end of a read is a shorter slice, never a wait for more
  EXPECT_EQ(describe(policy), "--slice 3");
}

TEST(Shaper, RandomSlicesStayInTheRangeCoverItAndRepeatForTheSameSeed) {
  shaping policy;
  policy.slice_min = 2;
  policy.slice_max = 5;
  auto draw = [&](std::uint64_t seed) {
    shaper s(policy, seed);
    std::vector<std::size_t> sizes;
    for (int i = 0; i < 400; ++i) sizes.push_back(s.next_write(1000));
    return sizes;
  };
  const auto first = draw(7);
  const std::set<std::size_t> seen(first.begin(), first.end());
  EXPECT_EQ(seen, (std::set<std::size_t>{2, 3, 4, 5}));
  EXPECT_EQ(draw(7), first);
  EXPECT_NE(draw(8), first);
  EXPECT_EQ(describe(policy), "--slice 2-5");
}

TEST(Shaper, DelayPausesAfterEveryWriteAndLatencyHoldsEveryRead) {
  shaping policy;
  policy.delay = milliseconds(10);
  policy.latency = milliseconds(50);
  shaper s(policy, 1);
  EXPECT_EQ(s.wrote(100, t0), t0 + milliseconds(10));
  EXPECT_EQ(s.release_time(t0), t0 + milliseconds(50));
  EXPECT_EQ(describe(policy), "--delay 10 --latency 50");
}

TEST(Shaper, RateSpacesWritesByTheirCostAndLetsNoBurstThroughAfterAPause) {
  shaping policy;
  policy.rate_bytes_per_s = 1000;
  shaper s(policy, 1);
  EXPECT_EQ(s.next_write(65536), 50u);  // a twentieth of a second's bytes at a time
  EXPECT_EQ(s.wrote(50, t0), t0 + milliseconds(50));
  EXPECT_EQ(s.wrote(50, t0), t0 + milliseconds(100));  // written early: the rate's clock still runs on
  const auto later = t0 + std::chrono::seconds(10);
  EXPECT_EQ(s.wrote(50, later), later + milliseconds(50));  // idle time is not saved up
  shaping slow;
  slow.rate_bytes_per_s = 5;
  EXPECT_EQ(shaper(slow, 1).next_write(100), 1u);
}

TEST(Shaper, CloseAfterStopsExactlyAtTheCount) {
  shaping policy;
  policy.close_after = 10;
  policy.slice_min = policy.slice_max = 4;
  shaper s(policy, 1);
  EXPECT_EQ(s.cut(), cut_kind::close);
  EXPECT_EQ(s.next_write(100), 4u);
  s.wrote(4, t0);
  EXPECT_EQ(s.next_write(100), 4u);
  s.wrote(4, t0);
  EXPECT_EQ(s.next_write(100), 2u);  // the last slice ends at the cut
  EXPECT_FALSE(s.cut_due());
  s.wrote(2, t0);
  EXPECT_TRUE(s.cut_due());
  EXPECT_EQ(s.next_write(100), 0u);
}

TEST(Shaper, ResetAfterZeroIsDueAtOnceAndTheEarlierCutWins) {
  shaping policy;
  policy.reset_after = 0;
  EXPECT_TRUE(shaper(policy, 1).cut_due());
  EXPECT_EQ(shaper(policy, 1).cut(), cut_kind::reset);

  shaping both;
  both.close_after = 5;
  both.reset_after = 8;
  EXPECT_EQ(shaper(both, 1).cut(), cut_kind::close);
  EXPECT_EQ(shaper(both, 1).next_write(100), 5u);
  both.reset_after = 3;
  EXPECT_EQ(shaper(both, 1).cut(), cut_kind::reset);
  EXPECT_EQ(shaper(both, 1).next_write(100), 3u);
}

}  // namespace
}  // namespace tcpkit
