// A live packet capture with libpcap, in immediate mode, filtered in the kernel (BPF), on a
// thread of its own:
//
//   kernel ring (TPACKET_V3) ──poll(selectable fd)──> capture thread ──┬─> pcap file (pcap_dump)
//                                                      or poll() caller └─> decode ─> handler
//
// Whoever drains the ring holds the capture's lock, so the handler runs on one thread at a time
// and poll() lets a caller catch up with everything captured so far (a session summary that
// counts segments). libpcap stays out of this header: the library's users need not see it.
#pragma once

#include "tcpkit/core/deadline.hpp"
#include "tcpkit/wire/segment.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tcpkit::wire {

struct capture_options {
  std::string device;           // "lo", "eth0", "any" (device.hpp)
  std::string filter;           // a BPF expression (pcap-filter(7)): "tcp port 1060"
  std::string pcap_path;        // also write every captured packet here; empty: no file
  int snapshot_bytes = 262144;  // bytes kept of each packet (libpcap's default): all of it
  int buffer_bytes = 8 << 20;   // the kernel's ring: a fast transfer must not overrun it

  // Only the headers are kept of each packet (what a ladder needs): the kernel's ring then
  // holds hundreds of times more packets of a fast transfer than with whole 64 KiB segments.
  static constexpr int kHeaderSnapshotBytes = 256;
};

// How to get the privilege to capture, for the messages that lack it.
inline constexpr const char* kCapturePrivilegeHint =
    "capturing packets needs CAP_NET_RAW: run as root, or once: sudo setcap cap_net_raw+ep $(command -v tcpkit)";

// Throws tcpkit::error ("capture any: permission denied: <hint>", EPERM) when this process may
// not capture; a check that opens nothing lasting and sends nothing.
void require_capture_privilege();

class capture {
 public:
  using handler = std::function<void(const segment&)>;

  // Opens `options.device`, applies the filter, opens the pcap file and starts the thread;
  // `on_segment` is then called for every TCP segment captured. Throws tcpkit::error
  // (operation "capture", or "write" for the file) on failure, EPERM without the privilege.
  capture(const capture_options& options, handler on_segment);
  ~capture();  // stops the thread, handles what is left, closes the file
  capture(const capture&) = delete;
  capture& operator=(const capture&) = delete;

  // Handles every packet captured so far, on the calling thread, then calls `then` (if given)
  // before any more are handled: what the handler built can be read there. Thread-safe.
  void poll(const std::function<void()>& then = {});
  // Returns once `done()` holds (tested after each batch, under the capture's lock) or at
  // `deadline`; says which.
  bool wait_until(const std::function<bool()>& done, clock::time_point deadline);
  // Replaces the filter (a client narrowing its capture to its connection once it knows its
  // own port); packets already captured are still handled. False, and the old filter kept, if
  // `expression` does not compile.
  bool set_filter(const std::string& expression);
  // Stops capturing: handles what is left, closes the file. Idempotent; noexcept.
  void stop() noexcept;

  std::uint64_t packets() const noexcept;  // handled (and written) so far
  std::uint64_t dropped() const noexcept;  // lost in the kernel: the ring overran

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace tcpkit::wire
