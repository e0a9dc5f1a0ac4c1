// tcpkit plot TRACE [TRACE2] -o FILE.svg: wiring to tcpkit/trace_plot.hpp.
#include "commands.hpp"

#include "tcpkit/errors.hpp"
#include "tcpkit/trace_plot.hpp"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace tcpkit::cli {
namespace {

struct plot_settings {
  std::vector<std::string> traces;
  std::string output;
};

void write_file(const std::string& path, const std::string& content) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) throw error(std::error_code(errno, std::system_category()), "write", path);
  const bool written = std::fwrite(content.data(), 1, content.size(), file) == content.size();
  const int write_errno = errno;
  if (std::fclose(file) != 0 || !written) {
    throw error(std::error_code(written ? errno : write_errno, std::system_category()), "write", path);
  }
}

int run_plot(const plot_settings& settings) {
  std::vector<plot_source> sources;
  // Panels name the file only: a chart made from a scratch folder should not show its path.
  for (const auto& path : settings.traces) {
    sources.push_back({std::filesystem::path(path).filename().string(), read_trace(path)});
  }
  write_file(settings.output, plot_traces(sources));
  return 0;
}

}  // namespace

void add_plot_command(CLI::App& app, action& chosen) {
  static plot_settings settings;
  auto* command = app.add_subcommand("plot", "draw one or two --trace files as an SVG chart (docs/TRACE.md)");
  command->add_option("trace", settings.traces, "trace files written with --trace (e.g. the client's and the server's)")
      ->required()
      ->expected(1, 2)
      ->check(CLI::ExistingFile);
  command->add_option("-o,--output", settings.output, "the SVG file to write")->required();
  command->callback([&chosen] { chosen = [] { return run_plot(settings); }; });
  command->footer(
      "Example:\n"
      "  tcpkit uppercase client 127.0.0.1 67108864 --trace client.csv\n"
      "  tcpkit plot client.csv server.csv -o deadlock.svg");
}

}  // namespace tcpkit::cli
