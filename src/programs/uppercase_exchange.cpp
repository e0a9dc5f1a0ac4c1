#include "programs/uppercase_exchange.hpp"

#include "tcpkit/instruments/session_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace tcpkit::detail {
namespace {

// The seed prints what its first recv(42) returned; we read far more at a time, and show as much.
constexpr std::size_t kFirstDataShown = 42;

double seconds_of(clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

uppercase_exchange::uppercase_exchange(const uppercase_client_options& options, reporter& report)
    : options_(options),
      report_(report),
      send_size_(effective_send_size(options)),
      stream_(round_up_to_messages(options.bytecount), std::max(send_size_, options.recv_size), uppercase_wording::quoted) {
  if (options_.recv_size == 0) throw error(errc::usage, "uppercase client", {}, "the receive size must be at least 1 byte");
}

void uppercase_exchange::report_start() {
  report_.emit({event_type::start,
                "Sending {bytes_total} bytes of data, in chunks of {send_size} bytes",
                {{"program", std::string("uppercase")},
                 {"role", std::string("client")},
                 {"strategy", std::string(to_string(options_.strategy))},
                 {"host", options_.host},
                 {"port", std::uint64_t{options_.port}},
                 {"bytes_total", total()},
                 {"send_size", std::uint64_t{send_size_}}}});
}

void uppercase_exchange::report_connected(connection& conn) {
  peer_ = conn.peer();
  traffic_ = &conn.traffic();
  start_ = last_progress_ = clock::now();
  report_.emit({event_type::connection, {}, {{"local", local_name(conn.socket())}, {"peer", peer_}}});
}

tracer::connection uppercase_exchange::attach_trace(connection& conn) const {
  if (options_.trace == nullptr) return {};
  return options_.trace->attach(conn.socket(), "client", 1, conn.traffic());
}

void uppercase_exchange::report_receiving() {
  report_.emit({event_type::note, "Receiving all the data the server sends back", {}});
}

asio::const_buffer uppercase_exchange::next_chunk() const noexcept { return stream_.chunk(sent(), send_size_); }

void uppercase_exchange::finish_sending(std::error_code half_close) {
  if (half_close) throw error(half_close, "shutdown", peer_);
  sending_done_ = true;
  report_.emit({event_type::progress, "  {bytes_sent} bytes sent", {{"bytes_sent", sent()}, {"bytes_total", total()}}});
}

void uppercase_exchange::check_received(const unsigned char* data, std::size_t n) {
  const std::uint64_t offset = received() - n;
  if (offset == 0 && n > 0) {
    const std::size_t shown = std::min(n, kFirstDataShown);
    report_.emit({event_type::progress,
                  n > shown ? "  The first data received says {first_data}..." : "  The first data received says {first_data}",
                  {{"first_data", payload{std::string(reinterpret_cast<const char*>(data), shown)}}}});
  }
  stream_.check(offset, data, n, peer_);
}

void uppercase_exchange::finish_receiving() {
  stream_.check_complete(received(), peer_);
  report_.emit({event_type::progress, "  {bytes_received} bytes received", {{"bytes_received", received()}}});
}

std::unique_ptr<unsigned char[]> uppercase_exchange::make_receive_buffer() const {
  return std::make_unique_for_overwrite<unsigned char[]>(options_.recv_size);
}

bool uppercase_exchange::tick(clock::duration limit) {
  const auto now = clock::now();
  const std::uint64_t s = sent();
  const std::uint64_t r = received();
  if (s == seen_sent_ && r == seen_received_) return now - last_progress_ >= limit;
  seen_sent_ = s;
  seen_received_ = r;
  last_progress_ = now;
  std::string_view text = "  {bytes_sent} bytes sent, {bytes_received} bytes received";
  if (options_.strategy == uppercase_strategy::naive) {
    // The seed's two phases, one counter each.
    text = sending_done() ? "  {bytes_received} bytes received" : "  {bytes_sent} bytes sent";
  }
  report_.emit({event_type::progress, text, {{"bytes_sent", s}, {"bytes_received", r}}, true});
  return false;
}

void uppercase_exchange::cut(close_how how) noexcept {
  int expected = kNotCut;
  cut_.compare_exchange_strong(expected, static_cast<int>(how));
}

std::optional<close_how> uppercase_exchange::cut_short() const noexcept {
  const int how = cut_.load();
  if (how == kNotCut) return std::nullopt;
  return static_cast<close_how>(how);
}

void uppercase_exchange::note_cut(connection& conn) const noexcept {
  if (const auto how = cut_short(); how && *how != close_how::error) conn.note_cut(*how);
}

close_how uppercase_exchange::stall_how() const noexcept {
  return options_.strategy == uppercase_strategy::naive ? close_how::stall_timeout : close_how::idle_timeout;
}

double uppercase_exchange::seconds_since_progress() const noexcept { return seconds_of(clock::now() - last_progress_); }

error uppercase_exchange::no_progress_error(clock::duration limit) const {
  return error(errc::timed_out, sending_done() ? "recv" : "send", peer_,
               fmt::format("no progress in either direction for {:g} s", seconds_of(limit)));
}

uppercase_result uppercase_exchange::result() const {
  uppercase_result result;
  result.bytes_total = total();
  result.bytes_sent = sent();
  result.bytes_received = received();
  result.seconds = start_ == clock::time_point{} ? 0.0 : seconds_of(clock::now() - start_);
  result.interrupted = cut_short() == close_how::interrupted;
  return result;
}

void uppercase_exchange::report_end(const uppercase_result& result, const connection* conn) {
  std::string_view text =
      "Sent {bytes_sent} bytes and received {bytes_received} bytes in {seconds:.3g} s ({mb_per_s:.1f} MB/s); "
      "every byte checked";
  if (result.interrupted) {
    text = "Interrupted after {seconds:.3g} s: sent {bytes_sent} of {bytes_total} bytes, received {bytes_received} "
           "({mb_per_s:.1f} MB/s); every byte received was checked";
  }
  event end{event_type::end,
            text,
            {{"strategy", std::string(to_string(options_.strategy))},
             {"bytes_total", result.bytes_total},
             {"bytes_sent", result.bytes_sent},
             {"bytes_received", result.bytes_received},
             {"seconds", result.seconds},
             {"mb_per_s", result.mb_per_s()},
             {"interrupted", result.interrupted}}};
  if (conn != nullptr) {
    end.fields.insert(end.fields.begin() + 1, {"peer", conn->peer()});
    add_closing_fields(end, conn->closing(), "client");
  }
  report_.emit(end);
}

uppercase_result uppercase_exchange::report_stopped() {
  cut(close_how::interrupted);
  const uppercase_result stopped = result();
  report_end(stopped, nullptr);
  return stopped;
}

}  // namespace tcpkit::detail
