// The program under test as a child process: its own process group (so that it and whatever it
// starts can be stopped together), stdout and stderr captured to files, and a registry of live
// children that the checker empties on every way out, Ctrl-C included.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tcpkit::check {

// COMMAND with each "{name}" replaced by its value in `values` (other braces are left alone).
std::vector<std::string> substitute(const std::vector<std::string>& command,
                                    const std::map<std::string, std::string>& values);

// One run of a command. Destroying it kills the whole process group.
class child_process {
 public:
  // Starts `argv` with stdin from `stdin_path` (empty: /dev/null), stdout and stderr appended
  // to the two files. PYTHONUNBUFFERED=1 is set so that a Python program's prints reach the
  // files as they happen. Throws tcpkit::error if it cannot be started.
  child_process(const std::vector<std::string>& argv, const std::string& stdout_path,
                const std::string& stderr_path, const std::string& stdin_path = {});
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  // The exit status once it has ended (128+N for a signal), std::nullopt while it runs.
  std::optional<int> poll();
  // Waits until it ends or `deadline` passes; its status, or std::nullopt if still running.
  std::optional<int> wait_until(std::chrono::steady_clock::time_point deadline);
  // SIGTERM to the group, up to `grace` to end, then SIGKILL; returns the status.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(500));
  // Resident memory of the process (VmRSS from /proc), in bytes; 0 when unknown.
  long resident_bytes() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// A description of an exit status: "exit status 0", "killed by signal 9".
std::string describe_status(int status);

// Installs SIGINT/SIGTERM/SIGHUP handlers that kill every live child's process group before
// the checker exits (130 for SIGINT, 128+N otherwise).
void kill_children_on_signals();

// The last `count` lines of a file (what a program printed last), each at most 200 bytes.
std::vector<std::string> last_lines(const std::string& path, std::size_t count, std::size_t from_offset = 0);

// Everything in a file from `offset`.
std::string read_from(const std::string& path, std::size_t offset);
std::size_t file_size(const std::string& path);

}  // namespace tcpkit::check
