#include "tracing.hpp"

#include "values.hpp"

#include "tcpkit/core/errors.hpp"

namespace tcpkit::cli {

std::unique_ptr<tracer> open_trace(const common_options& options) {
  if (options.trace_path.empty()) return nullptr;
  return std::make_unique<tracer>(options.trace_path, seconds(options.trace_interval_s));
}

int end_trace(reporter& report, const tracer* trace, int status) {
  if (trace == nullptr) return status;
  const std::error_code failure = trace->failure();
  if (!failure) return status;
  report.emit({event_type::error, "tcpkit: trace {endpoint}: {message}",
               {{"operation", std::string("trace")}, {"endpoint", trace->path()}, {"message", failure.message()}}});
  return static_cast<int>(exit_status::failure);
}

}  // namespace tcpkit::cli
