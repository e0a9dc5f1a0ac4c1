#include "packets.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/instruments/session_summary.hpp"
#include "tcpkit/wire/device.hpp"

#include <fmt/format.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <vector>

namespace tcpkit::cli {

namespace {

constexpr auto kTeardownGrace = std::chrono::seconds(1);

// The addresses `host` resolves to, unmapped; none if it does not resolve.
std::vector<asio::ip::address> resolve_addresses(const std::string& host, address_family family) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = family == address_family::v4 ? AF_INET : family == address_family::v6 ? AF_INET6 : AF_UNSPEC;
  addrinfo* list = nullptr;
  const std::string name(strip_brackets(host));
  if (::getaddrinfo(name.empty() ? nullptr : name.c_str(), nullptr, &hints, &list) != 0) return {};
  std::vector<asio::ip::address> addresses;
  for (const addrinfo* a = list; a != nullptr; a = a->ai_next) {
    tcp::endpoint endpoint;
    endpoint.resize(a->ai_addrlen);
    std::memcpy(endpoint.data(), a->ai_addr, a->ai_addrlen);
    const auto address = wire::unmapped(endpoint.address());
    if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) addresses.push_back(address);
  }
  ::freeaddrinfo(list);
  return addresses;
}

// A BPF expression for exactly a client's connection attempts: its port with the server's
// address and port, either way. (The local address is chosen at connect(), after the bind.)
std::string attempts_filter(const std::vector<std::pair<std::uint16_t, tcp::endpoint>>& attempts) {
  std::vector<std::string> terms;
  for (const auto& [port, remote] : attempts) {
    const std::string host = wire::unmapped(remote.address()).to_string();
    terms.push_back(fmt::format("(src port {0} and dst host {1} and dst port {2}) or (src host {1} and src port {2} "
                                "and dst port {0})",
                                port, host, remote.port()));
  }
  return fmt::format("tcp and ({})", fmt::join(terms, " or "));
}

event packet_event(const wire::step& s, std::string_view text) {
  event e{event_type::packet, text, {}};
  e.fields = {{"local", format_endpoint(s.local)},
              {"peer", format_endpoint(s.peer)},
              {"direction", std::string(s.outgoing ? "sent" : "received")},
              {"flags", wire::format_flags(s.flags)},
              {"seq", std::uint64_t{s.seq}}};
  if (s.flags & wire::kAck) e.fields.push_back({"ack", std::uint64_t{s.ack}});
  e.fields.push_back({"payload_bytes", std::uint64_t{s.payload_bytes}});
  e.fields.push_back({"window_bytes", s.window_bytes});
  if (s.mss) e.fields.push_back({"mss_bytes", std::uint64_t{*s.mss}});
  if (s.window_scale) e.fields.push_back({"window_scale", std::uint64_t{*s.window_scale}});
  e.fields.push_back({"retransmission", s.retransmission});
  e.fields.push_back({"zero_window", s.zero_window});
  if (!s.note.empty()) e.fields.push_back({"note", s.note});
  e.fields.push_back({"seconds", s.seconds});
  return e;
}

}  // namespace

// The role's events, each after the segments captured before it (the capture is caught up
// first, so a ladder reads in the order things happened), and session summaries with the
// segment counts of their connection.
class packets::counting_reporter final : public reporter {
 public:
  explicit counting_reporter(packets& owner) : owner_(owner) {}
  bool wants(event_type type) const noexcept override { return owner_.out_.wants(type); }
  void emit(const event& e) override {
    if (!owner_.capture_) return owner_.out_.emit(e);
    const auto peer = std::find_if(e.fields.begin(), e.fields.end(), [](const field& f) { return f.key == "peer"; });
    const bool summary = e.type == event_type::session && peer != e.fields.end();
    std::optional<segment_counts> counts;
    owner_.capture_->poll([&] {
      if (summary) counts = owner_.ladder_->counts_with(std::get<std::string>(peer->value));
    });
    if (!counts) return owner_.out_.emit(e);
    event counted = e;
    const std::string text = add_segment_counts(counted, e.text, *counts);
    counted.text = text;
    owner_.out_.emit(counted);
  }

 private:
  packets& owner_;
};

packets::packets(const common_options& options, reporter& out)
    : enabled_(options.packets || !options.pcap_path.empty()),
      show_ladder_(options.packets),
      pcap_path_(options.pcap_path),
      out_(out),
      counting_(std::make_unique<counting_reporter>(*this)) {
  if (enabled_) wire::require_capture_privilege();
}

packets::~packets() = default;

reporter& packets::report() noexcept { return *counting_; }

void packets::start_client(const common_options& options) {
  if (!enabled_) return;
  const std::vector<asio::ip::address> remotes = resolve_addresses(options.host, options.family());
  if (remotes.empty()) return;
  std::set<std::string> devices;
  for (const auto& remote : remotes) devices.insert(wire::device_toward(remote));
  client_capture_.emplace();
  client_capture_->device = devices.size() == 1 ? *devices.begin() : wire::kAnyDevice;
}

std::function<void(std::uint16_t, const tcp::endpoint&)> packets::before_connect() {
  if (!enabled_) return {};
  return [this](std::uint16_t local_port, const tcp::endpoint& remote) { add_attempt(local_port, remote); };
}

// Each attempt (one per address tried) joins the filter; the first one opens the capture.
void packets::add_attempt(std::uint16_t local_port, const tcp::endpoint& remote) {
  if (!client_capture_) return;
  if (!capture_) {
    attempts_.emplace_back(local_port, remote);
    client_capture_->filter = attempts_filter(attempts_);
    auto is_local = [this](const tcp::endpoint& e) {
      return std::any_of(attempts_.begin(), attempts_.end(),
                         [&e](const auto& a) { return e.port() == a.first && e != a.second; });
    };
    return start(*client_capture_, is_local, /*peer_prefix=*/false);
  }
  capture_->poll([&] { attempts_.emplace_back(local_port, remote); });
  capture_->set_filter(attempts_filter(attempts_));
}

void packets::start_server(const tcp::endpoint& listening) {
  if (!enabled_) return;
  const asio::ip::address address = wire::unmapped(listening.address());
  const std::uint16_t port = listening.port();
  wire::capture_options capture;
  capture.device = wire::device_of(address);
  capture.filter = address.is_unspecified() ? fmt::format("tcp port {}", port)
                                            : fmt::format("tcp port {} and host {}", port, address.to_string());
  auto is_local = [address, port](const tcp::endpoint& e) {
    return e.port() == port && (address.is_unspecified() || wire::unmapped(e.address()) == address);
  };
  start(std::move(capture), is_local, /*peer_prefix=*/true);
}

void packets::start(wire::capture_options capture, wire::ladder::side_test is_local, bool peer_prefix) {
  peer_prefix_ = peer_prefix;
  capture.pcap_path = pcap_path_;
  // A file keeps whole packets (Wireshark can show the payload), in a larger ring; a ladder
  // needs the headers only.
  if (pcap_path_.empty()) capture.snapshot_bytes = wire::capture_options::kHeaderSnapshotBytes;
  if (!pcap_path_.empty()) capture.buffer_bytes = 32 << 20;
  ladder_.emplace(std::move(is_local));
  capture_ = std::make_unique<wire::capture>(capture, [this](const wire::segment& s) {
    if (auto placed = ladder_->place(s)) show(*placed);
  });
}

void packets::show(const wire::step& s) {
  if (!show_ladder_ || !out_.wants(event_type::packet)) return;
  std::string text = wire::format_step(s, peer_prefix_);
  if (s.first) text = wire::format_ladder_header(s, peer_prefix_) + "\n" + text;
  out_.emit(packet_event(s, text));
}

void packets::finish() {
  if (!capture_) return;
  capture_->wait_until([this] { return ladder_->all_closed(); }, clock::now() + kTeardownGrace);
  capture_->stop();
  const segment_counts total = ladder_->total();
  std::string text = fmt::format("Captured {} segments: {} sent, {} received, {} retransmitted, {} with a zero window",
                                 total.sent + total.received, total.sent, total.received, total.retransmitted,
                                 total.zero_windows);
  if (!pcap_path_.empty()) text += fmt::format("; written to {}", pcap_path_);
  if (const std::uint64_t lost = capture_->dropped()) text += fmt::format(" ({} dropped by the kernel)", lost);
  out_.emit({event_type::note, "{summary}", {{"summary", text}}});
}

}  // namespace tcpkit::cli
