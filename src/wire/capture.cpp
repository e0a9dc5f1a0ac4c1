#include "tcpkit/wire/capture.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/wire/device.hpp"

#include <pcap/pcap.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace tcpkit::wire {

namespace {

struct pcap_closer {
  void operator()(pcap_t* p) const noexcept { pcap_close(p); }
};
using pcap_handle = std::unique_ptr<pcap_t, pcap_closer>;

// Why pcap_activate failed, as an error naming the device; EPERM for a missing privilege.
error activation_error(pcap_t* p, int status, const std::string& device) {
  if (status == PCAP_ERROR_PERM_DENIED) {
    return error({EPERM, std::system_category()}, "capture", device,
                 std::string("permission denied: ") + kCapturePrivilegeHint);
  }
  if (status == PCAP_ERROR_NO_SUCH_DEVICE) return error({ENODEV, std::system_category()}, "capture", device, "no such device");
  return error({EIO, std::system_category()}, "capture", device, pcap_geterr(p));
}

pcap_handle open_live(const capture_options& options) {
  char message[PCAP_ERRBUF_SIZE] = {};
  pcap_handle p(pcap_create(options.device.c_str(), message));
  if (!p) throw error({ENODEV, std::system_category()}, "capture", options.device, message);
  // Immediate mode: each packet is handed over as it arrives, not when a buffer fills.
  pcap_set_immediate_mode(p.get(), 1);
  pcap_set_snaplen(p.get(), options.snapshot_bytes);
  pcap_set_buffer_size(p.get(), options.buffer_bytes);
  const int status = pcap_activate(p.get());
  if (status < 0) throw activation_error(p.get(), status, options.device);
  return p;
}

void apply_filter(pcap_t* p, const capture_options& options) {
  bpf_program program{};
  if (pcap_compile(p, &program, options.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    throw error({EINVAL, std::system_category()}, "capture", options.device,
                "filter \"" + options.filter + "\": " + pcap_geterr(p));
  }
  const int status = pcap_setfilter(p, &program);
  pcap_freecode(&program);
  if (status != 0) throw error({EIO, std::system_category()}, "capture", options.device, pcap_geterr(p));
}

}  // namespace

void require_capture_privilege() {
  char message[PCAP_ERRBUF_SIZE] = {};
  pcap_handle p(pcap_create(kAnyDevice, message));
  if (!p) return;  // no "any" device: the real open will say what is wrong
  const int status = pcap_activate(p.get());
  if (status == PCAP_ERROR_PERM_DENIED) throw activation_error(p.get(), status, kAnyDevice);
}

struct capture::state {
  pcap_handle pcap;
  pcap_dumper_t* dumper = nullptr;
  int link_type = 0;
  int wake_fd = -1;  // an eventfd: stop() wakes the thread's poll() with it
  handler on_segment;
  std::string device;
  std::string pcap_path;
  std::mutex mutex;  // held by whoever drains the ring
  std::condition_variable drained;
  std::uint64_t packets = 0;
  std::uint64_t dropped = 0;
  std::uint64_t dropped_before_filter = 0;  // the unfiltered start's, none of them ours
  bool stopped = false;
  std::jthread thread;

  // Every packet in the ring now, each written and handed on. `mutex` held.
  void drain() {
    if (stopped) return;
    auto on_packet = [](u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
      auto* self = reinterpret_cast<state*>(user);
      if (self->dumper != nullptr) pcap_dump(reinterpret_cast<u_char*>(self->dumper), header, bytes);
      ++self->packets;
      const auto time = std::chrono::system_clock::time_point(std::chrono::seconds(header->ts.tv_sec) +
                                                              std::chrono::microseconds(header->ts.tv_usec));
      const auto frame = std::as_bytes(std::span(bytes, header->caplen));
      if (auto s = decode_frame(self->link_type, frame, time)) self->on_segment(*s);
    };
    bool any = false;
    while (pcap_dispatch(pcap.get(), -1, on_packet, reinterpret_cast<u_char*>(this)) > 0) any = true;
    if (any && dumper != nullptr) pcap_dump_flush(dumper);  // a reader of the file sees it whole
    pcap_stat stats{};
    if (pcap_stats(pcap.get(), &stats) == 0) {
      dropped = stats.ps_drop - std::min<std::uint64_t>(stats.ps_drop, dropped_before_filter);
    }
    drained.notify_all();
  }

  void run(std::stop_token stop) {
    pollfd fds[2] = {{pcap_get_selectable_fd(pcap.get()), POLLIN, 0}, {wake_fd, POLLIN, 0}};
    while (!stop.stop_requested()) {
      // The timeout only bounds how long a missed wake-up could delay the stop.
      if (::poll(fds, 2, 100) < 0 && errno != EINTR) return;
      std::lock_guard lock(mutex);
      drain();
    }
  }
};

capture::capture(const capture_options& options, handler on_segment) : state_(std::make_unique<state>()) {
  state& s = *state_;
  s.device = options.device;
  s.pcap_path = options.pcap_path;
  s.on_segment = std::move(on_segment);
  s.pcap = open_live(options);
  apply_filter(s.pcap.get(), options);
  char message[PCAP_ERRBUF_SIZE] = {};
  if (pcap_setnonblock(s.pcap.get(), 1, message) != 0) {
    throw error({EIO, std::system_category()}, "capture", options.device, message);
  }
  s.link_type = pcap_datalink(s.pcap.get());
  if (!options.pcap_path.empty()) {
    s.dumper = pcap_dump_open(s.pcap.get(), options.pcap_path.c_str());
    if (s.dumper == nullptr) throw error({EIO, std::system_category()}, "write", options.pcap_path, pcap_geterr(s.pcap.get()));
  }
  s.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s.wake_fd < 0) {
    const int e = errno;
    if (s.dumper != nullptr) pcap_dump_close(s.dumper);
    throw error({e, std::system_category()}, "capture", options.device);
  }
  // Until the filter was set, the ring took in everything on the device; a busy one may have
  // filled it, and a full ring drops what comes next (the handshake about to start). Emptying
  // it now discards those packets (libpcap filters them again as they are read).
  {
    std::lock_guard lock(s.mutex);
    s.drain();
    s.dropped_before_filter = s.dropped;
    s.dropped = 0;
  }
  s.thread = std::jthread([&s](std::stop_token stop) { s.run(stop); });
}

capture::~capture() { stop(); }

void capture::poll(const std::function<void()>& then) {
  std::lock_guard lock(state_->mutex);
  state_->drain();
  if (then) then();
}

bool capture::wait_until(const std::function<bool()>& done, clock::time_point deadline) {
  std::unique_lock lock(state_->mutex);
  state_->drain();
  return state_->drained.wait_until(lock, deadline, done);
}

void capture::stop() noexcept {
  state& s = *state_;
  if (s.thread.joinable()) {
    s.thread.request_stop();
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(s.wake_fd, &one, sizeof(one));
    s.thread.join();
  }
  std::lock_guard lock(s.mutex);
  if (s.stopped) return;
  s.drain();
  s.stopped = true;
  if (s.dumper != nullptr) pcap_dump_close(s.dumper);
  s.dumper = nullptr;
  if (s.wake_fd >= 0) ::close(s.wake_fd);
  s.wake_fd = -1;
}

bool capture::set_filter(const std::string& expression) {
  std::lock_guard lock(state_->mutex);
  if (state_->stopped) return false;
  try {
    apply_filter(state_->pcap.get(), {state_->device, expression, {}});
    return true;
  } catch (const error&) {
    return false;
  }
}

std::uint64_t capture::packets() const noexcept {
  std::lock_guard lock(state_->mutex);
  return state_->packets;
}

std::uint64_t capture::dropped() const noexcept {
  std::lock_guard lock(state_->mutex);
  return state_->dropped;
}

}  // namespace tcpkit::wire
