// A load run's result as events: a table for people (a `note`, which has no JSON form) and one
// `end` event for scripts (which has no text form), so a text reporter prints the table, a
// JSON reporter one NDJSON line, and --json's tee both.
//
//   bench sixteen 127.0.0.1:1060
//     connections           64
//     exchanges             20000 ok, 0 failed
//     seconds               1.234
//     exchanges/s           16207
//     latency p50           3.12 ms   (connect included)
//     ...
#pragma once

#include "tcpkit/instruments/load.hpp"
#include "tcpkit/core/report.hpp"

#include <cstdint>
#include <string>

namespace tcpkit {

struct load_summary {
  std::string mode;    // "sixteen", "uppercase", "lines"
  std::string target;  // "127.0.0.1:1060"
  std::size_t connections = 0;
  std::uint64_t exchanges = 0;  // planned
  load_stats stats;
  // Throughput modes: payload bytes per exchange, and what was moved and checked in total
  // (uppercase: bytes verified; lines: bytes and lines acknowledged). 0 for sixteen.
  std::uint64_t bytes_per_exchange = 0;
  std::uint64_t bytes = 0;
  std::uint64_t lines = 0;
  bool has_lines = false;
  bool interrupted = false;  // SIGINT: a partial result
  bool together = false;     // load_plan::together: timed from the common start, connects excluded
};

// Emits the table and the `end` event.
void report_load(reporter& report, const load_summary& summary);

// The text table alone (what report_load shows people).
std::string render_load_table(const load_summary& summary);

}  // namespace tcpkit
