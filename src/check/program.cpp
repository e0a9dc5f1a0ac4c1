#include "tcpkit/check/program.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/escape.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

namespace tcpkit::check {
namespace {

// Live children's process groups, read by the signal handler: plain atomics, no locks.
constexpr std::size_t kMaxChildren = 256;
std::array<std::atomic<pid_t>, kMaxChildren> live_groups{};

void remember(pid_t pid) {
  for (auto& slot : live_groups) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void forget(pid_t pid) {
  for (auto& slot : live_groups) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

extern "C" void kill_children_and_exit(int signal) {
  for (auto& slot : live_groups) {
    pid_t group = slot.load();
    if (group > 0) ::kill(-group, SIGKILL);
  }
  ::_exit(signal == SIGINT ? 130 : 128 + signal);
}

int decode_status(int raw) { return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw); }

// In the child, after fork: its own group, dies with the checker, the three descriptors set.
[[noreturn]] void exec_child(const std::vector<std::string>& argv, int in, int out, int err) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  ::signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::setenv("PYTHONUNBUFFERED", "1", 1);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  std::string message = "tcpkit check: cannot run " + argv[0] + ": " + std::strerror(errno) + "\n";
  ssize_t ignored = ::write(2, message.data(), message.size());
  (void)ignored;
  ::_exit(127);
}

int open_or_throw(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) throw error(std::error_code(errno, std::system_category()), "open", path);
  return fd;
}

}  // namespace

std::vector<std::string> substitute(const std::vector<std::string>& command,
                                    const std::map<std::string, std::string>& values) {
  std::vector<std::string> result;
  for (std::string word : command) {
    for (const auto& [name, value] : values) {
      const std::string key = "{" + name + "}";
      for (auto at = word.find(key); at != std::string::npos; at = word.find(key, at + value.size())) {
        word.replace(at, key.size(), value);
      }
    }
    result.push_back(std::move(word));
  }
  return result;
}

child_process::child_process(const std::vector<std::string>& argv, const std::string& stdout_path,
                             const std::string& stderr_path, const std::string& stdin_path) {
  if (argv.empty()) throw error(make_error_code(errc::usage), "run", {}, "no command given after --");
  int in = open_or_throw(stdin_path.empty() ? "/dev/null" : stdin_path, O_RDONLY);
  int out = open_or_throw(stdout_path, O_WRONLY | O_CREAT | O_APPEND);
  int err = open_or_throw(stderr_path, O_WRONLY | O_CREAT | O_APPEND);
  pid_ = ::fork();
  if (pid_ == 0) exec_child(argv, in, out, err);
  int fork_errno = errno;
  ::close(in);
  ::close(out);
  ::close(err);
  if (pid_ < 0) throw error(std::error_code(fork_errno, std::system_category()), "fork");
  ::setpgid(pid_, pid_);  // also here, so that a kill right after fork reaches the group
  remember(pid_);
}

child_process::~child_process() {
  if (!status_) stop(std::chrono::milliseconds(0));
}

std::optional<int> child_process::poll() {
  if (status_) return status_;
  int raw = 0;
  if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
    status_ = decode_status(raw);
    ::kill(-pid_, SIGKILL);  // whatever it started goes with it
    forget(pid_);
  }
  return status_;
}

std::optional<int> child_process::wait_until(std::chrono::steady_clock::time_point deadline) {
  // waitpid has no timeout; a short poll keeps the bound without a second thread.
  while (!poll() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_;
}

int child_process::stop(std::chrono::milliseconds grace) {
  if (!poll()) {
    if (grace.count() > 0) {
      ::kill(-pid_, SIGTERM);
      wait_until(std::chrono::steady_clock::now() + grace);
    }
    if (!status_) {
      ::kill(-pid_, SIGKILL);
      int raw = 0;
      ::waitpid(pid_, &raw, 0);
      status_ = decode_status(raw);
      forget(pid_);
    }
  }
  return *status_;
}

long child_process::resident_bytes() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) * 1024;
  }
  return 0;
}

std::string describe_status(int status) {
  if (status > 128 && status < 160) return "killed by signal " + std::to_string(status - 128);
  return "exit status " + std::to_string(status);
}

void kill_children_on_signals() {
  struct sigaction action{};
  action.sa_handler = kill_children_and_exit;
  sigemptyset(&action.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(s, &action, nullptr);
}

std::string read_from(const std::string& path, std::size_t offset) {
  std::ifstream file(path, std::ios::binary);
  file.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

std::size_t file_size(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
}

std::vector<std::string> last_lines(const std::string& path, std::size_t count, std::size_t from_offset) {
  // Only the tail is read: a lines server's stdout may hold megabytes.
  std::size_t size = file_size(path);
  std::size_t offset = std::max(from_offset, size > 65536 ? size - 65536 : std::size_t{0});
  std::istringstream text(read_from(path, offset));
  std::vector<std::string> lines;
  for (std::string line; std::getline(text, line);) {
    // A progress line redrawn with "\r" shows only its last state on a terminal; so here.
    while (!line.empty() && line.back() == '\r') line.pop_back();
    if (auto cr = line.rfind('\r'); cr != std::string::npos) line.erase(0, cr + 1);
    if (line.find_first_not_of(' ') == std::string::npos) continue;
    if (line.size() > 200) line = line.substr(0, 200) + "...";
    std::string shown = escape_bytes(line);
    // Quotes stay as printed: these lines are shown, not parsed back.
    for (auto at = shown.find("\\\""); at != std::string::npos; at = shown.find("\\\"", at + 1)) shown.erase(at, 1);
    lines.push_back(std::move(shown));
  }
  if (lines.size() > count) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(count));
  return lines;
}

}  // namespace tcpkit::check
