#include "tcpkit/programs/shaper.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tcpkit {
namespace {

// Under --rate, one write carries at most this share of a second's bytes, so that the bytes
// flow evenly instead of in one burst per buffer followed by a long silence.
constexpr std::uint64_t kRateWritesPerSecond = 20;

long long to_ms(clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

}  // namespace

bool shaping::shapes() const noexcept {
  return slice_min != 0 || delay != clock::duration::zero() || latency != clock::duration::zero() ||
         rate_bytes_per_s != 0 || close_after || reset_after;
}

std::string describe(const shaping& policy) {
  if (!policy.shapes()) return "unshaped";
  std::string text;
  auto add = [&text](const std::string& part) { text += (text.empty() ? "" : " ") + part; };
  if (policy.slice_min != 0) {
    add(policy.slice_min == policy.slice_max ? fmt::format("--slice {}", policy.slice_min)
                                             : fmt::format("--slice {}-{}", policy.slice_min, policy.slice_max));
  }
  if (policy.delay != clock::duration::zero()) add(fmt::format("--delay {}", to_ms(policy.delay)));
  if (policy.latency != clock::duration::zero()) add(fmt::format("--latency {}", to_ms(policy.latency)));
  if (policy.rate_bytes_per_s != 0) add(fmt::format("--rate {}", policy.rate_bytes_per_s));
  if (policy.close_after) add(fmt::format("--close-after {}", *policy.close_after));
  if (policy.reset_after) add(fmt::format("--reset-after {}", *policy.reset_after));
  return text;
}

shaper::shaper(const shaping& policy, std::uint64_t seed) : policy_(policy), random_(seed) {
  // Both cuts given: the earlier one happens (at the same count, the reset).
  if (policy_.reset_after && (!policy_.close_after || *policy_.reset_after <= *policy_.close_after)) {
    cut_at_ = *policy_.reset_after;
  } else if (policy_.close_after) {
    cut_at_ = *policy_.close_after;
  }
}

cut_kind shaper::cut() const noexcept {
  if (policy_.reset_after && *policy_.reset_after == cut_at_) return cut_kind::reset;
  if (policy_.close_after) return cut_kind::close;
  return cut_kind::none;
}

std::size_t shaper::next_write(std::size_t available) {
  std::uint64_t n = available;
  if (policy_.slice_min != 0) {
    std::uniform_int_distribution<std::size_t> size(policy_.slice_min, std::max(policy_.slice_min, policy_.slice_max));
    n = std::min<std::uint64_t>(n, size(random_));
  }
  if (policy_.rate_bytes_per_s != 0) n = std::min(n, std::max<std::uint64_t>(1, policy_.rate_bytes_per_s / kRateWritesPerSecond));
  if (cut() != cut_kind::none) n = std::min(n, cut_at_ - std::min(cut_at_, forwarded_));
  return static_cast<std::size_t>(n);
}

clock::time_point shaper::wrote(std::size_t n, clock::time_point now) {
  forwarded_ += n;
  ++writes_;
  clock::time_point next = now + policy_.delay;
  if (policy_.rate_bytes_per_s != 0) {
    // The rate's own clock: each byte costs 1/rate s after the previous byte's slot, so a
    // pause (a slow source) does not let a burst through later.
    const auto cost = std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(static_cast<double>(n) / static_cast<double>(policy_.rate_bytes_per_s)));
    rate_free_ = std::max(rate_free_, now) + cost;
    next = std::max(next, rate_free_);
  }
  return next;
}

}  // namespace tcpkit
