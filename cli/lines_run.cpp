// tcpkit lines server|client, once parsed: wiring options to tcpkit/programs/lines_server.hpp and lines_client.hpp.
//
// The server's stdout is payload only (the received lines, byte for byte); everything else,
// "Listening at" included, goes to stderr, so `tcpkit lines server "" > copy.txt` makes a copy.
#include "actions.hpp"
#include "client_command.hpp"
#include "server_command.hpp"
#include "standard_descriptors.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/fd_sink.hpp"
#include "tcpkit/core/fd_source.hpp"
#include "tcpkit/programs/lines_client.hpp"
#include "tcpkit/programs/lines_server.hpp"
#include "tcpkit/core/listen.hpp"
#include "tcpkit/lifecycle/run_outcome.hpp"

#include <asio/io_context.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>

namespace tcpkit::cli {

namespace {

// The lines server until it stops, its log written out on return. `output_failure` is set if
// the payload stream broke (then the server has stopped).
int serve_lines(const common_options& options, std::size_t max_line, std::optional<error>& output_failure) {
  server_runner runner(options, /*text_to_stderr=*/true);  // the ladder too goes to stderr
  fd_sink sink(runner.io().get_executor(), STDOUT_FILENO, "stdout");
  auto handler = [&](server& srv) {
    // Without a stdout there is nothing left to serve for (`tcpkit lines server | head`).
    sink.on_failure([&output_failure, &srv](const error& e) {
      output_failure = e;
      srv.stop();
    });
    return lines_handler(sink, {max_line});
  };
  auto close_sink = [&](reporter& report) {
    if (sink.close(kDefaultSinkCloseLimit)) return;
    report.emit({event_type::error, "write stdout: output blocked; {bytes_unwritten} received bytes were not written",
                 {{"operation", std::string("write")}, {"bytes_unwritten", sink.bytes_unwritten()}}});
  };
  return runner.run({.name = "lines",
                     .serving = options.server(),
                     .announced = {{"max_line_bytes", std::uint64_t{max_line}}},
                     .handler = handler,
                     .after_serving = close_sink});
}

}  // namespace

int lines_server_main(const common_options& options, std::size_t max_line) {
  // Its stdout is the payload: lines it acknowledged would be lost.
  if (was_closed_at_start(STDOUT_FILENO)) {
    throw error(std::make_error_code(std::errc::bad_file_descriptor), "write", "stdout",
                "standard output is closed; the received lines would be lost");
  }
  std::optional<error> output_failure;
  const int status = serve_lines(options, max_line, output_failure);
  if (!output_failure) return status;
  // The payload stream broke (`| head -n 1`, a full disk): whatever the errno, a runtime
  // failure of this side, not of a peer (SPEC §2: 1). Said after the log's last line.
  std::fprintf(stderr, "tcpkit: %s\n", output_failure->what());
  return static_cast<int>(exit_status::failure);
}

namespace {

// The input named on the command line: "-" is stdin; a file is opened here and closed at exit.
class input_file {
 public:
  explicit input_file(const std::string& path) : name_(path == "-" ? "stdin" : path) {
    if (path == "-") {
      if (was_closed_at_start(STDIN_FILENO)) {
        throw error(std::make_error_code(std::errc::bad_file_descriptor), "read", "stdin", "standard input is closed");
      }
      return;
    }
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw error({errno, std::system_category()}, "open", path);
    // A directory opens, and fails only at the first read: refuse it before connecting.
    struct stat status {};
    if (::fstat(fd_, &status) == 0 && S_ISDIR(status.st_mode)) {
      ::close(fd_);
      throw error({EISDIR, std::system_category()}, "open", path);
    }
  }
  input_file(const input_file&) = delete;
  input_file& operator=(const input_file&) = delete;
  ~input_file() {
    if (fd_ != STDIN_FILENO) ::close(fd_);
  }
  int fd() const { return fd_; }
  const std::string& name() const { return name_; }

 private:
  int fd_ = STDIN_FILENO;
  std::string name_;
};

}  // namespace

int lines_client_main(const common_options& options, const lines_client_options& settings, const std::string& path) {
  client_runner runner(options);
  std::optional<input_file> file;
  try {
    file.emplace(path);
  } catch (const std::exception& e) {
    report_run_failure(runner.out(), e, close_watch{}, {});  // the run's error and end, before any start
    throw;
  }
  lines_client_options client = runner.aimed(settings);
  client.input_name = file->name();
  asio::io_context io;
  fd_source input(io.get_executor(), file->fd(), file->name());
  auto session = [&]() -> asio::awaitable<void> { co_await async_run_lines_client(client, input, runner.report()); };
  return runner.run(io, session());
}

}  // namespace tcpkit::cli
