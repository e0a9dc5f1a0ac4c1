#include "tcpkit/wire/pcap_file.hpp"

#include "tcpkit/core/errors.hpp"

#include <pcap/pcap.h>

#include <cerrno>
#include <memory>

namespace tcpkit::wire {

std::vector<segment> read_pcap_file(const std::string& path) {
  char message[PCAP_ERRBUF_SIZE] = {};
  const std::unique_ptr<pcap_t, void (*)(pcap_t*)> file(pcap_open_offline(path.c_str(), message), pcap_close);
  if (!file) throw error({EINVAL, std::system_category()}, "read", path, message);
  const int link_type = pcap_datalink(file.get());
  std::vector<segment> segments;
  pcap_pkthdr* header = nullptr;
  const u_char* bytes = nullptr;
  int status = 0;
  while ((status = pcap_next_ex(file.get(), &header, &bytes)) == 1) {
    const auto time = std::chrono::system_clock::time_point(std::chrono::seconds(header->ts.tv_sec) +
                                                            std::chrono::microseconds(header->ts.tv_usec));
    if (auto s = decode_frame(link_type, std::as_bytes(std::span(bytes, header->caplen)), time)) segments.push_back(*s);
  }
  if (status == PCAP_ERROR) throw error({EIO, std::system_category()}, "read", path, pcap_geterr(file.get()));
  return segments;
}

std::vector<zero_window_moment> find_zero_windows(const std::vector<segment>& segments, const trace_series& series) {
  std::vector<const segment*> own;
  for (const auto& s : segments) {
    const std::string source = format_endpoint(s.source);
    const std::string destination = format_endpoint(s.destination);
    if ((source == series.local && destination == series.peer) || (source == series.peer && destination == series.local)) {
      own.push_back(&s);
    }
  }
  if (own.empty() || series.points.empty()) return {};
  // The handshake's last ACK: the first segment without SYN after a SYN-ACK.
  auto anchor = own.front()->time;
  bool syn_ack_seen = false;
  for (const segment* s : own) {
    if (s->has(kSyn) && s->has(kAck)) syn_ack_seen = true;
    if (syn_ack_seen && !s->has(kSyn)) {
      anchor = s->time;
      break;
    }
  }
  std::vector<zero_window_moment> moments;
  for (const segment* s : own) {
    if (s->window != 0 || s->has(kSyn) || s->has(kRst)) continue;
    const double offset = std::chrono::duration<double>(s->time - anchor).count();
    moments.push_back({series.points.front().time_s + offset, format_endpoint(s->source) == series.local});
  }
  return moments;
}

}  // namespace tcpkit::wire
