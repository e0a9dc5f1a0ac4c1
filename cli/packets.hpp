// --packets and --pcap FILE, once parsed: a capture of the role's connections (tcpkit/wire/),
// drawn as a ladder through the role's reporter, written as a pcap file, and counted in each
// session summary. Without either option every member does nothing.
//
//   client:  packets wire(options, out.report());   // checks the privilege: before any connection
//            wire.start_client(options);            // which interface HOST:PORT is reached by
//            client.connect.before_connect = wire.before_connect();  // the 4-tuple, before the SYN
//            ... run the client with wire.report() ...
//            wire.finish();                         // the teardown's last segments, then totals
//   server:  the same, with wire.start_server(srv.local_endpoint()) after listen, before accept.
//
// The ladder goes where the role's other human text goes (stdout; stderr for the lines server,
// whose stdout is payload); with --json each segment is a `packet` event as well.
#pragma once

#include "common_options.hpp"

#include "tcpkit/core/report.hpp"
#include "tcpkit/wire/capture.hpp"
#include "tcpkit/wire/ladder.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace tcpkit::cli {

class packets {
 public:
  // Throws tcpkit::error (EPERM, exit 3) when capturing is asked for but not permitted.
  packets(const common_options& options, reporter& out);
  ~packets();
  packets(const packets&) = delete;
  packets& operator=(const packets&) = delete;

  // What the role reports to: `out`, with segment counts in each session summary.
  reporter& report() noexcept;

  // Prepares a client's capture: the interface that HOST:PORT (every address it resolves to) is
  // reached by. A name that does not resolve captures nothing: the client's connect reports it.
  void start_client(const common_options& options);
  // For connect_options::before_connect: starts (or widens) the capture to the attempt's exact
  // 4-tuple before its SYN leaves. Empty without --packets or --pcap.
  std::function<void(std::uint16_t, const tcp::endpoint&)> before_connect();
  // Starts capturing a server's connections: after listen (the port is known), before accept.
  void start_server(const tcp::endpoint& listening);
  // Waits briefly for every connection's teardown to be seen, stops, and says what was captured.
  void finish();

 private:
  class counting_reporter;
  void start(wire::capture_options capture, wire::ladder::side_test is_local, bool peer_prefix);
  void add_attempt(std::uint16_t local_port, const tcp::endpoint& remote);
  void show(const wire::step& s);  // the capture's thread, or a poll()

  bool enabled_ = false;      // --packets or --pcap: capture
  bool show_ladder_ = false;  // --packets: draw the ladder too
  bool peer_prefix_ = false;
  std::optional<wire::capture_options> client_capture_;  // start_client(): opened by the first attempt
  std::vector<std::pair<std::uint16_t, tcp::endpoint>> attempts_;  // a client's; under the capture's lock
  std::string pcap_path_;
  reporter& out_;
  std::unique_ptr<counting_reporter> counting_;
  std::optional<wire::ladder> ladder_;    // touched under the capture's lock only
  std::unique_ptr<wire::capture> capture_;  // last: its thread stops before the rest goes
};

}  // namespace tcpkit::cli
