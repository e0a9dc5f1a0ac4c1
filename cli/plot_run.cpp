// tcpkit plot, once parsed: wiring to tcpkit/present/trace_plot.hpp.
#include "actions.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/present/trace_plot.hpp"
#include "tcpkit/wire/pcap_file.hpp"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace tcpkit::cli {
namespace {

void write_file(const std::string& path, const std::string& content) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) throw error(std::error_code(errno, std::system_category()), "write", path);
  const bool written = std::fwrite(content.data(), 1, content.size(), file) == content.size();
  const int write_errno = errno;
  if (std::fclose(file) != 0 || !written) {
    throw error(std::error_code(written ? errno : write_errno, std::system_category()), "write", path);
  }
}

// The zero windows of every captured connection that `source` traced.
void mark_zero_windows(plot_source& source, const std::vector<wire::segment>& segments) {
  for (const auto& series : source.series) {
    for (const auto& moment : wire::find_zero_windows(segments, series)) {
      source.zero_windows.push_back({series.local, series.peer, moment.time_s, moment.by_local});
    }
  }
}

}  // namespace

int plot_main(const plot_settings& settings) {
  std::vector<plot_source> sources;
  // Panels name the file only: a chart made from a scratch folder should not show its path.
  for (const auto& path : settings.traces) {
    sources.push_back({std::filesystem::path(path).filename().string(), read_trace(path), {}});
  }
  for (const auto& path : settings.pcaps) {
    const std::vector<wire::segment> segments = wire::read_pcap_file(path);
    for (auto& source : sources) mark_zero_windows(source, segments);
  }
  write_file(settings.output, plot_traces(sources));
  return 0;
}

}  // namespace tcpkit::cli
