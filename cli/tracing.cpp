#include "tracing.hpp"

namespace tcpkit::cli {

std::unique_ptr<tracer> open_trace(const common_options& options) {
  if (options.trace_path.empty()) return nullptr;
  return std::make_unique<tracer>(options.trace_path, seconds(options.trace_interval_s));
}

}  // namespace tcpkit::cli
