// tcpkit plot TRACE [TRACE2] -o FILE.svg: the options; plot_run.cpp draws.
#include "actions.hpp"
#include "commands.hpp"
#include "typed_options.hpp"

namespace tcpkit::cli {

void add_plot_command(CLI::App& app, plot_settings& settings, action& chosen) {
  auto* command = app.add_subcommand("plot", "draw one or two --trace files as an SVG chart (docs/TRACE.md)");
  auto* traces = command->add_option("TRACE", settings.traces,
                                     "one or two trace files written with --trace (e.g. the client's and the server's)");
  traces->required()->expected(1, 2)->check(existing_file_value(traces->get_name()));
  command->add_option("-o,--output", settings.output, "the SVG file to write")->required()->type_name("FILE");
  auto* pcaps = command->add_option("--pcap", settings.pcaps,
                                    "a capture of the same connections (--pcap of a client or server, tcpdump -w): "
                                    "mark when either side advertised a zero window; may be given twice");
  pcaps->type_name("FILE")->check(existing_file_value(pcaps->get_name()));
  command->callback([&chosen, &settings] { chosen = [&settings] { return plot_main(settings); }; });
  command->footer(
      "Example:\n"
      "  tcpkit uppercase client 127.0.0.1 67108864 --trace client.csv\n"
      "  tcpkit plot client.csv server.csv -o deadlock.svg\n"
      "  sudo tcpkit uppercase client 127.0.0.1 67108864 --trace client.csv --pcap client.pcap\n"
      "  tcpkit plot client.csv --pcap client.pcap -o windows.svg   # zero windows marked");
}

}  // namespace tcpkit::cli
