#include "common_options.hpp"

#include "typed_options.hpp"
#include "values.hpp"

#include "tcpkit/core/errors.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <utility>

namespace tcpkit::cli {

address_family common_options::family() const {
  if (ipv4) return address_family::v4;
  if (ipv6) return address_family::v6;
  return address_family::any;
}

connect_options common_options::connect() const {
  connect_options c;
  c.family = family();
  c.timeout = seconds(connect_timeout_s);
  return c;
}

server_options common_options::server() const {
  server_options s;
  s.idle_timeout = seconds(idle_timeout_s);
  s.max_conns = max_conns;
  s.once = once;
  s.threads = threads;
  return s;
}

void add_common_options(CLI::App& command, common_options& options, const char* host_help) {
  command.add_option("HOST", options.host, host_help)->required();
  add_port_option(command, "-p,--port", options.port, "TCP port, decimal (default 1060; HOST:PORT works too)");
  auto* v4 = command.add_flag("-4", options.ipv4, "IPv4 only");
  command.add_flag("-6", options.ipv6, "IPv6 only")->excludes(v4);
  command.add_flag("--json", options.json, "machine-readable NDJSON events on stdout (text goes to stderr)");
  command.add_flag("-q,--quiet", options.quiet, "print nothing but errors");
}

void add_client_options(CLI::App& command, common_options& options) {
  add_seconds_option(command, "--connect-timeout", options.connect_timeout_s,
                     "seconds to wait for the connection (default 10)");
  add_seconds_option(command, "--idle-timeout", options.idle_timeout_s,
                     "give up after this many seconds without progress (default 60)");
}

void add_server_options(CLI::App& command, common_options& options) {
  add_seconds_option(command, "--idle-timeout", options.idle_timeout_s,
                     "close a connection with no progress in either direction for this many seconds (default 60)");
  add_count_option(command, "--max-conns", options.max_conns,
                   "serve at most N connections at once; close the rest (default 0: no limit)", 0, kMaxConnsLimit);
  command.add_flag("--once", options.once, "serve one connection, then exit with its outcome");
}

void add_threads_option(CLI::App& command, common_options& options) {
  add_count_option(command, "--threads", options.threads,
                   "event loops, each on its own thread; connections are dealt out to them in turn (default 1; "
                   "ignored with --once)",
                   1, 256);
}

void add_trace_options(CLI::App& command, common_options& options) {
  command.add_option("--trace", options.trace_path,
                     "write a CSV time series of each connection (bytes, kernel queues, TCP_INFO) to FILE; "
                     "draw it with tcpkit plot (docs/TRACE.md)")
      ->type_name("FILE");
  add_seconds_option(command, "--trace-interval", options.trace_interval_s,
                     "seconds between trace samples, 0.001 to 3600 (default 0.05)", 0.001, 3600);
}

void apply_host_port(common_options& options, bool port_given) {
  auto [host, port] = parse_host_port("HOST", options.host);
  if (port && port_given && *port != options.port) {
    throw usage_error(fmt::format("HOST {} says port {}, --port says {}", options.host, *port, options.port),
                      "give the port once: HOST:PORT or -p PORT");
  }
  options.host = std::move(host);
  if (port) options.port = *port;
}

void choose_when_parsed(CLI::App& command, common_options& options, action& chosen, action run) {
  command.callback([&command, &options, &chosen, run = std::move(run)] {
    apply_host_port(options, command.get_option("--port")->count() > 0);
    chosen = run;
  });
}

void add_packet_options(CLI::App& command, common_options& options) {
  command.add_flag("--packets", options.packets,
                   "draw the connection's TCP segments as a ladder as they happen: flags, relative seq/ack, length, "
                   "window, and what they show (needs CAP_NET_RAW: root, or setcap cap_net_raw+ep)");
  command.add_option("--pcap", options.pcap_path,
                     "write the connection's segments to FILE in pcap format (tcpdump -r, Wireshark); needs "
                     "CAP_NET_RAW too")
      ->type_name("FILE");
}

void require_destination_port(const common_options& options) {
  if (options.port == 0) throw error(errc::usage, "--port", "", "0 is not a port a client can connect to");
}

output::output(const common_options& options, bool text_to_stderr) {
  if (options.json && text_to_stderr) {
    // stdout carries payload, and one stream cannot hold both JSON and text: JSON alone.
    json_ = std::make_unique<json_reporter>(stderr_);
    active_ = json_.get();
  } else if (options.json) {
    text_ = std::make_unique<text_reporter>(stderr_, stderr_, options.quiet);
    json_ = std::make_unique<json_reporter>(stdout_);
    tee_ = std::make_unique<tee_reporter>(*json_, *text_);
    active_ = tee_.get();
  } else {
    text_ = std::make_unique<text_reporter>(text_to_stderr ? stderr_ : stdout_, stderr_, options.quiet);
    active_ = text_.get();
  }
}

}  // namespace tcpkit::cli
