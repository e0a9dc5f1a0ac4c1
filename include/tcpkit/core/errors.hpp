// Errors: tcpkit's own error codes, the exception that carries an operation and an endpoint,
// and the mapping from any error to the exit codes of the command line (SPEC §2).
#pragma once

#include <cstddef>
#include <exception>
#include <string>
#include <system_error>

namespace tcpkit {

// Failures that the operating system has no code for.
enum class errc {
  short_read = 1,     // the peer closed before the expected number of bytes arrived
  timed_out,          // a deadline passed (connect, idle, drain)
  data_mismatch,      // the peer answered, but not what the protocol says it must
  stalled,            // no progress in either direction: the naive client's deadlock
  line_too_long,      // a line exceeded the reader's maximum
  usage,              // a bad argument reached the library (bad port, unknown host form)
  interrupted,        // SIGINT
};

const std::error_category& tcpkit_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

// An error with its context. what() reads "<operation> <endpoint>: <reason>", e.g.
// "connect 127.0.0.1:1060: Connection refused"; the CLI only prefixes "tcpkit: ".
class error : public std::system_error {
 public:
  error(std::error_code code, std::string operation, std::string endpoint = {}, std::string reason = {});

  const std::string& operation() const noexcept { return operation_; }
  const std::string& endpoint() const noexcept { return endpoint_; }
  // The reason alone: the explicit one given, else the code's message.
  const std::string& reason() const noexcept { return reason_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  std::string operation_;
  std::string endpoint_;
  std::string reason_;
  std::string what_;
};

// EOF before N bytes (recv_exact). Carries how many bytes did arrive, and renders as the
// seeds' message: "was expecting 16 bytes but only received 5 bytes before the socket closed".
class short_read : public error {
 public:
  short_read(std::size_t expected, std::size_t received, std::string endpoint = {});

  std::size_t expected() const noexcept { return expected_; }
  std::size_t received() const noexcept { return received_; }

 private:
  std::size_t expected_;
  std::size_t received_;
};

// The errno behind an error from the OS, or 0 if `code` is not one. Asio reports OS errors in
// its own "asio.system" category, which does not compare equal to std::errc values, so every
// errno test in tcpkit goes through this.
int system_errno(const std::error_code& code) noexcept;

// Exit codes of the command line, one per kind of outcome (SPEC §2).
enum class exit_status : int {
  ok = 0,
  failure = 1,
  usage = 2,
  unreachable = 3,    // could not connect, or could not listen
  timed_out = 4,
  resolve = 5,        // name resolution failed
  peer = 6,           // peer broke the exchange: closed early, reset, too little, mismatch
  deadlock = 7,
  interrupted = 130,
};

// Which exit status an error code stands for. Codes from the OS are classified by what they
// mean for the user: ECONNREFUSED and EADDRINUSE are both "3: could not connect or listen".
exit_status classify(const std::error_code& code) noexcept;

// The exit status for an exception caught at the root of a command; unknown exceptions are 1.
exit_status classify(const std::exception& e) noexcept;

}  // namespace tcpkit

template <>
struct std::is_error_code_enum<tcpkit::errc> : std::true_type {};
