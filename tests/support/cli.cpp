#include "support/cli.hpp"

#include <charconv>

namespace tcpkit::test {

running_server start_tcpkit_server(const std::vector<std::string>& args, bool listening_on_stderr,
                                   clock::duration timeout) {
  spawn_options options;
  options.argv.push_back(tcpkit_binary());
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  running_server server{process::spawn(options), 0};
  const auto line = listening_on_stderr ? server.proc.wait_for_stderr("Listening at", timeout)
                                        : server.proc.wait_for_stdout("Listening at", timeout);
  if (!line) {
    ADD_FAILURE() << "no 'Listening at' from tcpkit; stderr: " << server.proc.stderr_text();
    return server;
  }
  server.port = port_from_text(*line).value_or(0);
  return server;
}

running_server start_seed_server(const std::string& script, clock::duration timeout) {
  spawn_options options;
  options.argv = {"python3", "-u", *seeds_dir() + "/" + script, "server", "127.0.0.1", "-p", "0"};
  running_server server{process::spawn(options), 0};
  const auto line = server.proc.wait_for_stdout("Listening at", timeout);
  if (!line) {
    ADD_FAILURE() << "seed server did not start; stderr: " << server.proc.stderr_text();
    return server;
  }
  server.port = port_from_python_tuple(*line).value_or(0);
  return server;
}

process run_tcpkit(const std::vector<std::string>& args, clock::duration timeout, std::optional<std::string> stdin_data) {
  spawn_options options;
  options.argv.push_back(tcpkit_binary());
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.stdin_data = std::move(stdin_data);
  process proc = process::spawn(options);
  if (!proc.wait(timeout)) ADD_FAILURE() << "tcpkit did not finish in time: " << proc.stderr_text();
  return proc;
}

std::optional<std::uint16_t> port_from_python_tuple(std::string_view line) {
  const auto comma = line.rfind(", ");
  const auto close = line.rfind(')');
  if (comma == std::string_view::npos || close == std::string_view::npos || close < comma) return std::nullopt;
  unsigned value = 0;
  const char* first = line.data() + comma + 2;
  const char* last = line.data() + close;
  const auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || end != last || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace tcpkit::test
