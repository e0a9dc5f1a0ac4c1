// Options shared by every program and role, and the reporter they select.
#pragma once

#include "tcpkit/core/endpoint.hpp"
#include "tcpkit/core/report.hpp"
#include "tcpkit/lifecycle/server.hpp"
#include "tcpkit/core/connect.hpp"
#include "tcpkit/core/log_writer.hpp"

// CLI11 itself only where options are declared (commands.hpp): the programs that run what the
// command line chose do not compile it (seconds per file).
namespace CLI {
class App;
}

#include <functional>
#include <unistd.h>

#include <memory>
#include <string>

namespace tcpkit::cli {

// What the parsed command line asks for; returns the exit status.
using action = std::function<int()>;

// --max-conns: more than any process has descriptors for.
inline constexpr std::size_t kMaxConnsLimit = 10'000'000;

struct common_options {
  std::string host;
  std::uint16_t port = kDefaultPort;
  bool ipv4 = false;
  bool ipv6 = false;
  bool json = false;
  bool quiet = false;
  double connect_timeout_s = 10;  // clients
  double idle_timeout_s = 60;     // servers; clients use it as their no-progress limit
  std::size_t max_conns = 0;      // servers
  bool once = false;              // servers
  unsigned threads = 1;           // servers with --threads
  std::string trace_path;         // --trace: empty, no tracing
  double trace_interval_s = 0.05; // --trace-interval
  bool packets = false;           // --packets: draw the connection's segments as a ladder
  std::string pcap_path;          // --pcap: empty, no capture file

  address_family family() const;
  connect_options connect() const;
  server_options server() const;
};

// HOST, -p/--port, -4/-6, --json, -q; then the role's own.
void add_common_options(CLI::App& command, common_options& options, const char* host_help);
void add_client_options(CLI::App& command, common_options& options);
// --threads N, for the servers whose sessions share nothing (sixteen, uppercase).
void add_threads_option(CLI::App& command, common_options& options);
void add_server_options(CLI::App& command, common_options& options);
// --trace FILE and --trace-interval SECONDS (docs/TRACE.md).
void add_trace_options(CLI::App& command, common_options& options);

// HOST written as HOST:PORT or [V6]:PORT (netcat and socat habits, SPEC §2): the port moves to
// `port`, the brackets go. Throws usage_error when -p was also given (`port_given`) and differs.
void apply_host_port(common_options& options, bool port_given);

// The role's callback: once `command` has parsed, applies HOST:PORT and makes `run` the choice.
void choose_when_parsed(CLI::App& command, common_options& options, action& chosen, action run);

// --packets and --pcap FILE (SPEC §3.5): the segments of the role's connections.
void add_packet_options(CLI::App& command, common_options& options);

// Throws tcpkit::error (errc::usage, exit 2) when a client was given port 0.
void require_destination_port(const common_options& options);

// Text on stdout (the seeds' output), or with --json: NDJSON on stdout and text on stderr.
// `text_to_stderr` sends all human text to stderr (the lines server keeps stdout for payload);
// with --json it sends the NDJSON there instead, and no text. Both go through one log_writer,
// so a log nobody reads never blocks the program (lines are dropped and counted instead);
// destroying the output writes what is left, waiting at most kDefaultLogCloseLimit.
class output {
 public:
  output(const common_options& options, bool text_to_stderr = false);
  reporter& report() { return *active_; }

 private:
  log_writer log_{STDERR_FILENO};
  log_stream stdout_{log_, STDOUT_FILENO};
  log_stream stderr_{log_, STDERR_FILENO};
  std::unique_ptr<reporter> text_;
  std::unique_ptr<reporter> json_;
  std::unique_ptr<reporter> tee_;
  reporter* active_;
};

}  // namespace tcpkit::cli
