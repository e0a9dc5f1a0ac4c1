// Child-process harness for integration tests: runs the tcpkit CLI and peer
// programs (python3, nc, socat, /bin/sh) with piped stdio, and never lets a
// test hang: every blocking call takes a timeout.
//
// Not thread-safe: use one `process` object from one thread.
// Side effect: the first spawn() sets SIGPIPE to SIG_IGN in this (parent)
// process, if it was SIG_DFL, so writing to a dead child's stdin yields EPIPE
// instead of killing the test binary. Children get SIGPIPE back as SIG_DFL.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tcpkit::test {

// Refer to it qualified (or from inside the namespace): `using tcpkit::test::clock;`
// collides with ::clock() from <ctime>.
using clock = std::chrono::steady_clock;

// Members have default initializers so designated initializers that omit
// some of them do not trip -Wmissing-field-initializers (GCC 12, -Wextra).
struct spawn_options {
  std::vector<std::string> argv{};  // argv[0] is looked up in PATH if it has no '/'
  // Written to the child's stdin (in the background, while any read/wait
  // call runs); stdin is closed afterwards unless stdin_pipe is set.
  std::optional<std::string> stdin_data{};
  bool stdin_pipe = false;                   // keep stdin open for write_stdin()/close_stdin()
  bool merge_stderr = false;                 // child's stderr goes to the stdout pipe (2>&1)
  std::vector<std::string> extra_env{};      // "KEY=VALUE" overrides, bare "KEY" unsets
  std::optional<std::string> working_dir{};  // relative argv[0] resolves after chdir
};
// Without stdin_data and stdin_pipe the child's stdin is /dev/null.

class process {
 public:
  using line_predicate = std::function<bool(std::string_view line)>;

  // Starts the child in its own process group with only fds 0-2 open.
  // Throws std::system_error on failure, including exec failure (ENOENT...).
  static process spawn(const spawn_options& options);

  // A moved-from process may only be destroyed or assigned to.
  process(process&&) noexcept;
  process& operator=(process&&) noexcept;  // kills the child held before
  ~process();                              // SIGKILLs the process group and reaps the child if needed

  pid_t pid() const;

  // Next line (without '\n') before the timeout (0 = only what is ready); a final
  // unterminated line is returned at EOF. nullopt on EOF or timeout; timed_out() tells which.
  std::optional<std::string> read_stdout_line(clock::duration timeout);
  std::optional<std::string> read_stderr_line(clock::duration timeout);

  // Consumes lines until one contains `needle` (or satisfies `pred`) and
  // returns it; nullopt on EOF/timeout. Skipped lines stay in *_text().
  std::optional<std::string> wait_for_stdout(std::string_view needle, clock::duration timeout);
  std::optional<std::string> wait_for_stderr(std::string_view needle, clock::duration timeout);
  std::optional<std::string> wait_for_stdout_if(const line_predicate& pred, clock::duration timeout);
  std::optional<std::string> wait_for_stderr_if(const line_predicate& pred, clock::duration timeout);

  // Reads both pipes to EOF and reaps the child, all before the timeout.
  // Returns the exit code (128+N if killed by signal N); nullopt on timeout
  // (e.g. a grandchild still holds a pipe open; exit_code() may be set).
  std::optional<int> wait(clock::duration timeout);

  // Exit code if the child has already been reaped (by wait or any read).
  std::optional<int> exit_code() const;

  // True if the last read/wait call returned nullopt because time ran out.
  bool timed_out() const;

  // Queues data without blocking; it is pushed to the child during later
  // read/wait calls. Dropped silently after close_stdin() or once the child
  // has closed its end (e.g. exited).
  void write_stdin(std::string_view data);
  // Closes the child's stdin once queued data has been written.
  void close_stdin();

  // Sends `sig` to the child (no-op once reaped), or to its whole group.
  void signal(int sig, bool whole_group = false);
  // SIGKILL to the whole process group; does not reap (use wait()).
  void kill();

  // Everything read from each pipe so far, consumed or not.
  const std::string& stdout_text() const;
  const std::string& stderr_text() const;

 private:
  struct impl;
  explicit process(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;  // null only in a moved-from object
};

// Port of the first "ADDR:PORT" / "[V6]:PORT" token, searching after
// "Listening at " if present; nullopt if there is none or it is > 65535.
std::optional<unsigned short> port_from_text(std::string_view line);

// $TCPKIT_BINARY, else the string-literal definition TCPKIT_BINARY_PATH,
// else "" (callers should GTEST_SKIP in that case).
std::string tcpkit_binary();

// $TCPKIT_SEEDS_DIR, else the string-literal definition TCPKIT_SEEDS_DIR;
// nullopt unless that directory contains tcp_sixteen.py.
std::optional<std::string> seeds_dir();

}  // namespace tcpkit::test
