#include "tcpkit/check/target.hpp"
#include "tcpkit/check/socket_table.hpp"

#include "tcpkit/core/errors.hpp"

#include <thread>

namespace tcpkit::check {

server_under_test::server_under_test(address at) : at_(std::move(at)) {}

server_under_test::server_under_test(std::vector<std::string> command, const std::string& scratch)
    : command_(std::move(command)),
      stdout_path_(scratch + "/server.stdout"),
      stderr_path_(scratch + "/server.stderr"),
      port_(pick_free_port()) {
  at_ = resolve_address("127.0.0.1", port_);
}

server_under_test::~server_under_test() { stop(); }

std::string server_under_test::ensure_running(clock::time_point deadline) {
  if (!managed()) return {};
  // Running but not listening: it is still starting, or on its way out after the last case.
  while (alive() && !is_listening(port_) && clock::now() < deadline) std::this_thread::sleep_for(5ms);
  if (alive()) return {};
  std::size_t stderr_start = stderr_size();
  started_command_ = substitute(command_, {{"host", "127.0.0.1"}, {"port", std::to_string(port_)}});
  process_ = std::make_unique<child_process>(started_command_, stdout_path_, stderr_path_);
  // Listening is read from the kernel's table, never probed with a connection.
  while (!is_listening(port_)) {
    if (auto status = process_->poll()) {
      std::string reason = "it ended (" + describe_status(*status) + ") before listening";
      for (const auto& line : stderr_tail(3, stderr_start)) reason += "; stderr: " + line;
      throw error(make_error_code(errc::data_mismatch), "start", at_.text, reason);
    }
    if (clock::now() >= deadline) {
      throw error(make_error_code(errc::timed_out), "start", at_.text, "the server did not listen in time");
    }
    std::this_thread::sleep_for(5ms);
  }
  return "started the server (pid " + std::to_string(process_->pid()) + ") at " + at_.text;
}

std::optional<int> server_under_test::stop() {
  if (!process_) return std::nullopt;
  auto status = process_->poll();
  if (!status) status = process_->stop();
  process_.reset();
  return status;
}

bool server_under_test::alive() { return !managed() || (process_ && !process_->poll()); }

std::optional<int> server_under_test::exit_status() { return process_ ? process_->poll() : std::nullopt; }

std::vector<std::string> server_under_test::stderr_tail(std::size_t lines, std::size_t since) const {
  return managed() ? last_lines(stderr_path_, lines, since) : std::vector<std::string>{};
}

std::vector<std::string> server_under_test::stdout_tail(std::size_t lines, std::size_t since) const {
  return managed() ? last_lines(stdout_path_, lines, since) : std::vector<std::string>{};
}

client_under_test::client_under_test(std::vector<std::string> command, const std::string& scratch)
    : command_(std::move(command)), scratch_(scratch) {}

void client_under_test::start(std::uint16_t port, const std::map<std::string, std::string>& extra,
                              const std::string& stdin_path) {
  auto values = extra;
  values["host"] = "127.0.0.1";
  values["port"] = std::to_string(port);
  started_command_ = substitute(command_, values);
  ++runs_;
  stdout_path_ = scratch_ + "/client" + std::to_string(runs_) + ".stdout";
  stderr_path_ = scratch_ + "/client" + std::to_string(runs_) + ".stderr";
  started_ = clock::now();
  process_ = std::make_unique<child_process>(started_command_, stdout_path_, stderr_path_, stdin_path);
}

client_exit client_under_test::finish(clock::time_point deadline) {
  client_exit result;
  if (!process_) return result;
  result.status = process_->wait_until(deadline);
  result.seconds = std::chrono::duration<double>(clock::now() - started_).count();
  if (!result.status) process_->stop(0ms);
  process_.reset();
  result.stdout_text = read_from(stdout_path_, 0);
  result.stdout_tail = last_lines(stdout_path_, 4);
  result.stderr_tail = last_lines(stderr_path_, 4);
  return result;
}

}  // namespace tcpkit::check
