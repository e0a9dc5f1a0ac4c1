// tcpkit plot, once parsed: wiring to tcpkit/trace_plot.hpp.
#include "actions.hpp"

#include "tcpkit/errors.hpp"
#include "tcpkit/trace_plot.hpp"

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

}  // namespace

int plot_main(const plot_settings& settings) {
  std::vector<plot_source> sources;
  // Panels name the file only: a chart made from a scratch folder should not show its path.
  for (const auto& path : settings.traces) {
    sources.push_back({std::filesystem::path(path).filename().string(), read_trace(path)});
  }
  write_file(settings.output, plot_traces(sources));
  return 0;
}

}  // namespace tcpkit::cli
