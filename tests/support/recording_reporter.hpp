// A reporter that keeps every event for assertions; thread-safe like the real ones.
#pragma once

#include "tcpkit/core/report.hpp"

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

namespace tcpkit::test {

class recording_reporter final : public reporter {
 public:
  struct entry {
    event_type type;
    std::string text;  // rendered human text ("" if none)
    std::string json;
  };

  void emit(const event& e) override {
    entry item{e.type, e.text.empty() ? std::string() : render_text(e), render_json(e)};
    std::lock_guard lock(mutex_);
    entries_.push_back(std::move(item));
  }

  std::vector<entry> entries() const {
    std::lock_guard lock(mutex_);
    return entries_;
  }

  std::size_t count(event_type type) const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(
        std::count_if(entries_.begin(), entries_.end(), [&](const entry& e) { return e.type == type; }));
  }

 private:
  mutable std::mutex mutex_;
  std::vector<entry> entries_;
};

}  // namespace tcpkit::test
