#include "tcpkit/instruments/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tcpkit {

std::size_t latency_histogram::bucket_of(std::uint64_t value) noexcept {
  if (value < kExact) return static_cast<std::size_t>(value);
  // value has its highest bit at `top` >= 7; keep its 6 bits below that (64 sub-buckets).
  const int top = static_cast<int>(std::bit_width(value)) - 1;
  const int shift = top - 6;
  const auto sub = static_cast<std::size_t>(value >> shift) - kSubBuckets;  // 0..63
  return kExact + static_cast<std::size_t>(shift - 1) * kSubBuckets + sub;
}

std::uint64_t latency_histogram::upper_edge(std::size_t bucket) noexcept {
  if (bucket < kExact) return bucket;
  const std::size_t above = bucket - kExact;
  const int shift = static_cast<int>(above / kSubBuckets) + 1;
  const std::uint64_t first = static_cast<std::uint64_t>(above % kSubBuckets + kSubBuckets) << shift;
  return first + ((std::uint64_t{1} << shift) - 1);
}

void latency_histogram::record(std::uint64_t value) noexcept {
  ++counts_[bucket_of(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void latency_histogram::merge(const latency_histogram& other) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

std::uint64_t latency_histogram::percentile(double fraction) const noexcept {
  if (count_ == 0) return 0;
  fraction = std::clamp(fraction, 0.0, 1.0);
  // The rank of the sample asked for, 1-based: at least one sample, at most all of them.
  const auto rank = std::clamp<std::uint64_t>(
      static_cast<std::uint64_t>(std::ceil(fraction * static_cast<double>(count_))), 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(upper_edge(i), min(), max_);
  }
  return max_;
}

}  // namespace tcpkit
