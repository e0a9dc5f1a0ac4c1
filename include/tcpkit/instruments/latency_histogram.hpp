// Latencies of many operations in bounded memory: a log-linear histogram (the HdrHistogram
// idea, cut down). Values below 128 have a bucket each; above, every power of two is split
// into 64 buckets, so a percentile is within 1/64 (< 1.6 %) of the true value, whatever the
// number of samples:
//
//   value:   0 1 2 ... 127 | 128 130 ... 254 | 256 260 ... 508 | 512 ...
//   bucket:  one per value | 64 buckets, 2 wide | 64, 4 wide      | 64, 8 wide ...
//
// 3,776 counters (30 KB) cover every 64-bit value; recording is a few instructions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace tcpkit {

class latency_histogram {
 public:
  // Records one value (any unit; tcpkit records nanoseconds).
  void record(std::uint64_t value) noexcept;

  // Adds every sample of `other`.
  void merge(const latency_histogram& other) noexcept;

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const noexcept { return max_; }

  // The smallest recorded value v such that at least `fraction` (0..1) of the samples are
  // <= v, rounded up to its bucket's upper edge (never above max()); 0 when empty.
  // percentile(0.5) is the median, percentile(0.999) the 99.9th percentile.
  std::uint64_t percentile(double fraction) const noexcept;

 private:
  static constexpr std::size_t kExact = 128;      // values below this have their own bucket
  static constexpr std::size_t kSubBuckets = 64;  // buckets per power of two above
  static constexpr std::size_t kBuckets = kExact + (64 - 7) * kSubBuckets;

  static std::size_t bucket_of(std::uint64_t value) noexcept;
  static std::uint64_t upper_edge(std::size_t bucket) noexcept;

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

}  // namespace tcpkit
