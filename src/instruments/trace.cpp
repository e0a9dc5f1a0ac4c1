#include "tcpkit/instruments/trace.hpp"

#include "tcpkit/core/accept.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/tcp_info.hpp"

#include <fmt/format.h>

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <system_error>
#include <utility>

namespace tcpkit {

struct tracer::slot {
  int fd;  // our own dup(): valid until detach, whatever the program does with its socket
  std::string side;
  std::uint64_t conn;
  std::string local;
  std::string peer;
  const traffic_counters* counters;
};

std::string_view trace_csv_header() noexcept {
  return "time_s,side,conn,local,peer,event,bytes_sent,bytes_received,send_queue_bytes,receive_queue_bytes,"
         "state,rtt_us,rttvar_us,snd_cwnd,snd_mss_bytes,snd_wnd_bytes,retransmits,total_retrans";
}

tracer::tracer(const std::string& path, clock::duration interval)
    : path_(path), interval_(interval), start_(clock::now()), file_(std::fopen(path.c_str(), "w")) {
  if (file_ == nullptr) throw error(std::error_code(errno, std::system_category()), "trace", path);
  std::fprintf(file_, "%.*s\n", static_cast<int>(trace_csv_header().size()), trace_csv_header().data());
  // The header reaches the file now, so a file that takes nothing (/dev/full, a full disk, a
  // closed pipe) fails here, before anything is traced into nowhere.
  if (std::fflush(file_) != 0) {
    const std::error_code failure(errno, std::system_category());
    std::fclose(file_);
    throw error(failure, "trace", path);
  }
  sampler_ = std::jthread([this](std::stop_token stop) { run(std::move(stop)); });
}

tracer::~tracer() {
  sampler_.request_stop();
  if (sampler_.joinable()) sampler_.join();
  std::lock_guard lock(mutex_);
  for (auto& s : slots_) {  // handles that outlived us (a bug in the caller): still end the rows
    write_row(s, "close");
    ::close(s.fd);
  }
  std::fclose(file_);
}

tracer::connection tracer::attach(tcp::socket& socket, std::string_view side, std::uint64_t conn,
                                  const traffic_counters& counters) {
  std::string local = local_name(socket);
  std::string peer = peer_name(socket);
  note_duplicated(socket);  // the duplicate outlives the socket's close: Asio must leave its epoll set
  const int fd = ::dup(socket.native_handle());
  if (fd < 0) return {};  // out of descriptors: this connection goes untraced rather than failing
  std::lock_guard lock(mutex_);
  slot& s = slots_.emplace_back(slot{fd, std::string(side), conn, std::move(local), std::move(peer), &counters});
  write_row(s, "open");
  flush();
  return connection(this, &s);
}

void tracer::detach(slot* s) noexcept {
  std::lock_guard lock(mutex_);
  write_row(*s, "close");
  flush();
  ::close(s->fd);
  slots_.remove_if([s](const slot& other) { return &other == s; });
}

void tracer::run(std::stop_token stop) {
  std::mutex wait_mutex;
  std::condition_variable_any wake;
  std::unique_lock wait_lock(wait_mutex);
  auto next = clock::now() + interval_;
  // Sleeps until a fixed schedule, not for `interval` after each round, so rows stay evenly spaced.
  for (;;) {
    // With a stop token, the wait returns (false) on a stop request as well as at `next`.
    wake.wait_until(wait_lock, stop, next, [] { return false; });
    if (stop.stop_requested()) return;
    next += interval_;
    if (const auto now = clock::now(); next < now) next = now + interval_;  // fell behind: skip, don't burst
    std::lock_guard lock(mutex_);
    for (const auto& s : slots_) write_row(s, "sample");
    if (!slots_.empty()) flush();
  }
}

void tracer::flush() {
  if (std::fflush(file_) != 0 && !failure_) failure_ = std::error_code(errno, std::system_category());
}

std::error_code tracer::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

void tracer::write_row(const slot& s, std::string_view event) {
  const double t = std::chrono::duration<double>(clock::now() - start_).count();
  int unacknowledged = -1;
  int unread = -1;
  const bool queues = ::ioctl(s.fd, SIOCOUTQ, &unacknowledged) == 0 && ::ioctl(s.fd, SIOCINQ, &unread) == 0;
  const auto info = read_tcp_info(s.fd);
  std::string row = fmt::format("{:.4f},{},{},{},{},{},{},{},", t, s.side, s.conn, s.local, s.peer, event,
                                s.counters->bytes_sent(), s.counters->bytes_received());
  if (queues) row += fmt::format("{},{}", unacknowledged, unread);
  else row += ",";
  if (info) {
    row += fmt::format(",{},{},{},{},{},", info->state, info->rtt_us, info->rttvar_us, info->snd_cwnd, info->snd_mss_bytes);
    if (info->snd_wnd_bytes) row += fmt::to_string(*info->snd_wnd_bytes);
    row += fmt::format(",{},{}", info->retransmits, info->total_retrans);
  } else {
    row += ",,,,,,,,";
  }
  row += '\n';
  std::fwrite(row.data(), 1, row.size(), file_);
}

tracer::connection::connection(connection&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), slot_(std::exchange(other.slot_, nullptr)) {}

tracer::connection& tracer::connection::operator=(connection&& other) noexcept {
  if (this != &other) {
    close();
    owner_ = std::exchange(other.owner_, nullptr);
    slot_ = std::exchange(other.slot_, nullptr);
  }
  return *this;
}

void tracer::connection::close() noexcept {
  if (owner_ != nullptr) owner_->detach(slot_);
  owner_ = nullptr;
  slot_ = nullptr;
}

}  // namespace tcpkit
