// --trace, once parsed: the tracer a command samples its connections into (docs/TRACE.md).
#pragma once

#include "common_options.hpp"

#include "tcpkit/instruments/trace.hpp"

#include <memory>

namespace tcpkit::cli {

// The tracer --trace asks for, or nullptr without --trace. Throws tcpkit::error if the file
// cannot be created.
std::unique_ptr<tracer> open_trace(const common_options& options);

// At the end of a run: if writing the trace failed on the way (a disk that filled, a pipe whose
// reader left), says so in one line through `report` ("tcpkit: trace FILE: <reason>") and
// returns 1, a runtime failure (SPEC §2); otherwise returns `status`.
int end_trace(reporter& report, const tracer* trace, int status);

}  // namespace tcpkit::cli
