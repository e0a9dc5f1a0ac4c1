// --trace, once parsed: the tracer a command samples its connections into (docs/TRACE.md).
#pragma once

#include "common_options.hpp"

#include "tcpkit/trace.hpp"

#include <memory>

namespace tcpkit::cli {

// The tracer --trace asks for, or nullptr without --trace. Throws tcpkit::error if the file
// cannot be created.
std::unique_ptr<tracer> open_trace(const common_options& options);

}  // namespace tcpkit::cli
