#include "tracing.hpp"

#include <chrono>

namespace tcpkit::cli {

std::unique_ptr<tracer> open_trace(const common_options& options) {
  if (options.trace_path.empty()) return nullptr;
  const auto interval = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(options.trace_interval_s));
  return std::make_unique<tracer>(options.trace_path, interval);
}

}  // namespace tcpkit::cli
