#include "tcpkit/core/adaptive_buffer.hpp"

#include <algorithm>

namespace tcpkit {

bool buffer_budget::take(std::size_t bytes) noexcept {
  std::size_t left = left_.load(std::memory_order_relaxed);
  do {
    if (left < bytes) return false;
  } while (!left_.compare_exchange_weak(left, left - bytes, std::memory_order_relaxed));
  return true;
}

adaptive_buffer::adaptive_buffer(std::size_t initial, std::size_t max, buffer_budget* budget)
    : size_(std::max<std::size_t>(1, std::min(initial, max))), initial_(size_), max_(std::max(max, size_)), budget_(budget) {
  // Not zero-filled: pages are touched only as data arrives.
  data_ = std::make_unique_for_overwrite<unsigned char[]>(size_);
}

adaptive_buffer::~adaptive_buffer() {
  if (budget_ != nullptr) budget_->give_back(size_ - initial_);
}

void adaptive_buffer::consumed(std::size_t n) {
  if (n < size_ || size_ >= max_) return;
  const std::size_t bigger = std::min(size_ * 2, max_);
  if (budget_ != nullptr && !budget_->take(bigger - size_)) return;
  data_.reset();  // free first: the peak stays at the new size, not old + new
  data_ = std::make_unique_for_overwrite<unsigned char[]>(bigger);
  size_ = bigger;
}

}  // namespace tcpkit
