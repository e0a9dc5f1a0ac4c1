// Loads for tests that move many megabytes. Sanitizer builds (-O0, with ASan or TSan) run such
// tests 5-20 times slower; CI sets TCPKIT_SANITIZER for those runs and the heavy tests shrink
// their loads by heavy_scale_down(), keeping their shape (every strategy, every client count).
#pragma once

#include <cstdint>
#include <cstdlib>

namespace tcpkit::test {

inline bool under_sanitizer() { return std::getenv("TCPKIT_SANITIZER") != nullptr; }

inline std::uint64_t heavy_scale_down() { return under_sanitizer() ? 16 : 1; }

}  // namespace tcpkit::test
