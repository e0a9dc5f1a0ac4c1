// The program under test, as the cases see it: a server to connect to (already running, or
// started, watched and restarted by tcpkit), or a client command that tcpkit runs once per case.
#pragma once

#include "tcpkit/check/program.hpp"
#include "tcpkit/check/wire.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tcpkit::check {

class server_under_test {
 public:
  // A server someone else started, at `at`: tcpkit can only talk to it.
  explicit server_under_test(address at);
  // A server tcpkit starts: `command` with {host} and {port} replaced (127.0.0.1, a free
  // port); its output goes to files in `scratch`.
  server_under_test(std::vector<std::string> command, const std::string& scratch);
  ~server_under_test();

  bool managed() const noexcept { return !command_.empty(); }
  const address& at() const noexcept { return at_; }
  // The port tcpkit gave a managed server (0 for one already running).
  std::uint16_t port() const noexcept { return port_; }

  // Starts the server unless it runs; returns what happened for the evidence ("" if it was
  // running). Throws tcpkit::error if it does not listen within `deadline` (its stderr's last
  // lines in the reason).
  std::string ensure_running(clock::time_point deadline);
  // Stops it (SIGTERM, then SIGKILL); returns its exit status (none if it was not running).
  std::optional<int> stop();
  // Whether it still runs; an external server is assumed to.
  bool alive();
  std::optional<int> exit_status();

  // Captured output: offsets to mark a case's start, text from there, the last lines.
  std::size_t stdout_size() const { return file_size(stdout_path_); }
  std::size_t stderr_size() const { return file_size(stderr_path_); }
  std::string stdout_since(std::size_t offset) const { return read_from(stdout_path_, offset); }
  std::vector<std::string> stderr_tail(std::size_t lines, std::size_t since = 0) const;
  std::vector<std::string> stdout_tail(std::size_t lines, std::size_t since = 0) const;
  long resident_bytes() const { return process_ ? process_->resident_bytes() : 0; }
  const std::vector<std::string>& command_line() const noexcept { return started_command_; }

 private:
  address at_;
  std::vector<std::string> command_;
  std::vector<std::string> started_command_;
  std::string stdout_path_, stderr_path_;
  std::uint16_t port_ = 0;
  std::unique_ptr<child_process> process_;
};

// The outcome of one run of a client command.
struct client_exit {
  std::optional<int> status;  // none: still running at the deadline, then killed
  double seconds = 0;         // from start to exit (or to the kill)
  std::vector<std::string> stdout_tail, stderr_tail;
  std::string stdout_text;    // all of it (small for the clients' cases)
};

class client_under_test {
 public:
  client_under_test(std::vector<std::string> command, const std::string& scratch);

  // Starts one run: {host} is 127.0.0.1, {port} and the `extra` placeholders as given;
  // `stdin_path` (may be empty) becomes its standard input.
  void start(std::uint16_t port, const std::map<std::string, std::string>& extra = {},
             const std::string& stdin_path = {});
  // Waits for the run to end until `deadline`, killing it then; the run's outcome.
  client_exit finish(clock::time_point deadline);
  std::optional<int> poll() { return process_ ? process_->poll() : std::nullopt; }
  const std::vector<std::string>& command_line() const noexcept { return started_command_; }
  const std::vector<std::string>& command() const noexcept { return command_; }
  const std::string& scratch() const noexcept { return scratch_; }

 private:
  std::vector<std::string> command_;
  std::vector<std::string> started_command_;
  std::string scratch_;
  std::string stdout_path_, stderr_path_;
  clock::time_point started_;
  std::unique_ptr<child_process> process_;
  int runs_ = 0;
};

}  // namespace tcpkit::check
