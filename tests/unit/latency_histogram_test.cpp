#include "tcpkit/instruments/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace tcpkit {
namespace {

TEST(LatencyHistogram, EmptyReportsZero) {
  latency_histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  latency_histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0.5), 50u);
  EXPECT_EQ(h.percentile(0.99), 99u);
  EXPECT_EQ(h.percentile(1.0), 100u);
  EXPECT_EQ(h.percentile(0.0), 1u);  // the smallest sample
}

TEST(LatencyHistogram, LargeValuesAreWithinOneSixtyFourth) {
  latency_histogram h;
  // 1..1,000,000 microseconds in nanoseconds: percentiles are known exactly.
  for (std::uint64_t us = 1; us <= 1'000'000; ++us) h.record(us * 1000);
  for (const double p : {0.5, 0.9, 0.99, 0.999}) {
    const double exact = p * 1e9;
    const auto got = static_cast<double>(h.percentile(p));
    EXPECT_GE(got, exact) << p;  // rounded up to its bucket's edge, never down
    EXPECT_LE(got, exact * (1 + 1.0 / 64)) << p;
  }
  EXPECT_EQ(h.max(), 1'000'000'000u);
  EXPECT_EQ(h.percentile(1.0), 1'000'000'000u);  // never above the largest sample
}

TEST(LatencyHistogram, HandlesTheWholeRange) {
  latency_histogram h;
  h.record(0);
  h.record(UINT64_MAX);
  EXPECT_EQ(h.percentile(0.5), 0u);
  EXPECT_EQ(h.percentile(1.0), UINT64_MAX);
}

TEST(LatencyHistogram, MergeAddsSamples) {
  latency_histogram a;
  latency_histogram b;
  for (int i = 0; i < 10; ++i) a.record(10);
  for (int i = 0; i < 30; ++i) b.record(1000);
  a.merge(b);
  EXPECT_EQ(a.count(), 40u);
  EXPECT_EQ(a.min(), 10u);
  EXPECT_EQ(a.percentile(0.25), 10u);
  EXPECT_GE(a.percentile(0.5), 1000u);
}

}  // namespace
}  // namespace tcpkit
