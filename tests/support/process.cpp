#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <utility>

extern char** environ;

namespace tcpkit::test {
namespace {

[[noreturn]] void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::system_category(), what);
}

// posix_spawn* functions return the error number instead of setting errno.
void check(int rc, const char* what) {
  if (rc != 0) throw_errno(rc, what);
}

template <class F>
struct scope_exit {
  F fn_;
  ~scope_exit() { fn_(); }
};
template <class F>
scope_exit(F) -> scope_exit<F>;  // clang 14 lacks aggregate CTAD

class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~unique_fd() { reset(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Returns {our end (nonblocking), child's end}, both CLOEXEC and >= 3: if the
// test binary runs with a stdio fd closed, a pipe end numbered 0-2 would be
// clobbered by the child's dup2 actions before it is itself duplicated.
std::pair<unique_fd, unique_fd> make_pipe(bool child_reads) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno(errno, "pipe2");
  unique_fd ends[2] = {unique_fd(fds[child_reads ? 1 : 0]), unique_fd(fds[child_reads ? 0 : 1])};
  for (auto& end : ends) {
    if (end.get() >= 3) continue;
    int moved = ::fcntl(end.get(), F_DUPFD_CLOEXEC, 3);
    if (moved < 0) throw_errno(errno, "fcntl(F_DUPFD_CLOEXEC)");
    end.reset(moved);
  }
  int flags = ::fcntl(ends[0].get(), F_GETFL);
  if (flags < 0 || ::fcntl(ends[0].get(), F_SETFL, flags | O_NONBLOCK) < 0) throw_errno(errno, "fcntl");
  return {std::move(ends[0]), std::move(ends[1])};
}

// Via syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C", so its wrapper
// cannot be linked from C++.
int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Leaves a handler installed by the test program alone; only the default
// (terminate) disposition is dangerous for a harness writing to children.
void ignore_sigpipe_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction old {};
    if (::sigaction(SIGPIPE, nullptr, &old) != 0) return;
    if ((old.sa_flags & SA_SIGINFO) == 0 && old.sa_handler == SIG_DFL) {
      struct sigaction ign {};
      ign.sa_handler = SIG_IGN;
      ::sigaction(SIGPIPE, &ign, nullptr);
    }
  });
}

// Inherited environment with extra ("KEY=VALUE" overrides, "KEY" unsets).
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  auto overridden = [&](std::string_view entry) {
    return std::any_of(extra.begin(), extra.end(), [&](const std::string& e) {
      std::string_view key = std::string_view(e).substr(0, e.find('='));
      return entry.size() > key.size() && entry.starts_with(key) && entry[key.size()] == '=';
    });
  };
  std::vector<std::string> env;
  for (char** var = environ; var != nullptr && *var != nullptr; ++var)
    if (!overridden(*var)) env.emplace_back(*var);
  for (const auto& e : extra)
    if (e.find('=') != std::string::npos) env.push_back(e);
  return env;
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  // posix_spawn's prototype lacks const but never writes through these.
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

std::optional<unsigned short> port_of_token(std::string_view tok) {
  tok.remove_prefix(std::min(tok.find_first_not_of("(<'\""), tok.size()));
  tok = tok.substr(0, tok.find_last_not_of(".,;)>'\"") + 1);  // npos + 1 == 0
  const bool bracketed = tok.starts_with('[');
  const auto colon = bracketed ? tok.find("]:") + 1 : tok.rfind(':');  // npos + 1 wraps to 0
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  const auto host = bracketed ? tok.substr(1, colon - 2) : tok.substr(0, colon);
  const auto digits = tok.substr(colon + 1);
  if (!bracketed && host.find(':') != std::string_view::npos) return std::nullopt;  // unbracketed IPv6
  unsigned long port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (host.empty() || digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || port > 65535)
    return std::nullopt;
  return static_cast<unsigned short>(port);
}

}  // namespace

struct process::impl {
  struct stream {
    unique_fd fd_;              // closed at EOF
    std::string text_;          // transcript of everything read
    std::size_t line_pos_ = 0;  // start of the first unconsumed line in text_
  };

  pid_t pid_ = -1;
  unique_fd pidfd_;  // readable once the child exits; closed when reaped
  std::optional<int> status_;
  stream out_, err_;
  unique_fd in_;
  std::string in_pending_;
  bool close_in_when_flushed_ = false;
  bool timed_out_ = false;

  ~impl() {
    if (pid_ <= 0) return;
    // The whole group goes, so grandchildren (e.g. a shell's jobs) are not
    // orphaned. Even after the leader was reaped its number stays reserved
    // while any group member lives, so this cannot hit an unrelated group
    // unless all members are gone and the pid space wrapped around since.
    ::kill(-pid_, SIGKILL);
    if (status_) return;
    ::kill(pid_, SIGKILL);  // in case the child moved to another group
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {}
  }

  void try_reap() {
    int st = 0;
    pid_t r;
    while ((r = ::waitpid(pid_, &st, WNOHANG)) < 0 && errno == EINTR) {}
    if (r < 0) throw_errno(errno, "waitpid (is SIGCHLD ignored?)");
    if (r == 0) return;
    status_ = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
    pidfd_.reset();  // stays readable forever; polling it would spin
  }

  void flush_stdin() {
    while (in_ && !in_pending_.empty()) {
      ssize_t n = ::write(in_.get(), in_pending_.data(), in_pending_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      if (n < 0) {  // EPIPE: the child closed stdin or died; nobody will read this
        in_pending_.clear();
        in_.reset();
        return;
      }
      in_pending_.erase(0, static_cast<std::size_t>(n));
    }
    if (in_ && close_in_when_flushed_) in_.reset();
  }

  // One read per readiness event keeps each poll round bounded even when
  // the child writes faster than we consume.
  static void read_some(stream& s) {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(s.fd_.get(), buf, sizeof buf)) < 0 && errno == EINTR) {}
    if (n > 0) s.text_.append(buf, static_cast<std::size_t>(n));
    if (n == 0 || (n < 0 && errno != EAGAIN)) s.fd_.reset();  // EOF; errors end the stream too
  }

  // Services all pipes and the exit notification until done() holds (true),
  // the deadline passes (false, timed_out_ set) or nothing can change (false).
  // At least one poll round runs, so a zero timeout still collects output.
  template <class Done>
  bool pump(clock::time_point deadline, Done done) {
    for (bool polled = false;; polled = true) {
      if (done()) return true;
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
      if (polled && left <= 0) {
        timed_out_ = true;  // a child flooding us must not keep us past the deadline
        return false;
      }
      pollfd fds[4];
      nfds_t count = 0;
      auto add = [&](const unique_fd& fd, short events) {
        if (fd) fds[count++] = pollfd{fd.get(), events, 0};
      };
      add(out_.fd_, POLLIN);
      add(err_.fd_, POLLIN);
      if (!in_pending_.empty()) add(in_, POLLOUT);
      add(pidfd_, POLLIN);
      if (count == 0) return false;
      int ready = ::poll(fds, count, static_cast<int>(std::clamp<long long>(left, 0, INT_MAX)));
      if (ready < 0 && errno != EINTR) throw_errno(errno, "poll");
      if (ready == 0) {
        timed_out_ = true;
        return false;
      }
      for (nfds_t i = 0; ready > 0 && i < count; ++i) {
        if (fds[i].revents == 0) continue;
        // No fd is opened inside this loop, so a number closed by one of
        // these calls cannot come back as another stream's number here.
        const int fd = fds[i].fd;
        if (fd == out_.fd_.get()) read_some(out_);
        if (fd == err_.fd_.get()) read_some(err_);
        if (fd == in_.get()) flush_stdin();
        if (fd == pidfd_.get()) try_reap();
      }
    }
  }

  std::optional<std::string> read_line(stream& s, clock::time_point deadline) {
    timed_out_ = false;
    pump(deadline, [&] { return !s.fd_ || s.text_.find('\n', s.line_pos_) != std::string::npos; });
    auto nl = s.text_.find('\n', s.line_pos_);
    if (nl == std::string::npos) {
      if (s.fd_ || s.line_pos_ == s.text_.size()) return std::nullopt;  // timeout, or EOF
      nl = s.text_.size();                                              // unterminated last line
    }
    std::string line = s.text_.substr(s.line_pos_, nl - s.line_pos_);
    s.line_pos_ = std::min(nl + 1, s.text_.size());
    return line;
  }

  std::optional<std::string> wait_for(stream& s, const line_predicate& pred, clock::duration timeout) {
    auto deadline = clock::now() + timeout;
    for (;;) {
      auto line = read_line(s, deadline);
      if (!line || pred(*line)) return line;
      if (clock::now() >= deadline) {  // lines may keep arriving faster than we reject them
        timed_out_ = true;
        return std::nullopt;
      }
    }
  }
};

process::process(std::unique_ptr<impl> state) : impl_(std::move(state)) {}
process::process(process&&) noexcept = default;
process& process::operator=(process&&) noexcept = default;
process::~process() = default;

process process::spawn(const spawn_options& options) {
  if (options.argv.empty()) throw_errno(EINVAL, "spawn: empty argv");
  ignore_sigpipe_once();
  std::vector<char*> argv = c_strings(options.argv);
  std::vector<std::string> env = child_environment(options.extra_env);
  std::vector<char*> envp = c_strings(env);

  auto state = std::make_unique<impl>();
  posix_spawn_file_actions_t actions;
  check(::posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init");
  scope_exit destroy_actions{[&] { ::posix_spawn_file_actions_destroy(&actions); }};
  posix_spawnattr_t attr;
  check(::posix_spawnattr_init(&attr), "posix_spawnattr_init");
  scope_exit destroy_attr{[&] { ::posix_spawnattr_destroy(&attr); }};

  // Child ends live only until spawn returns; EOF detection needs them closed.
  unique_fd child_in, child_out, child_err;
  if (options.stdin_data || options.stdin_pipe) {
    std::tie(state->in_, child_in) = make_pipe(true);
    check(::posix_spawn_file_actions_adddup2(&actions, child_in.get(), 0), "adddup2");
  } else {
    check(::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), "addopen");
  }
  std::tie(state->out_.fd_, child_out) = make_pipe(false);
  check(::posix_spawn_file_actions_adddup2(&actions, child_out.get(), 1), "adddup2");
  if (!options.merge_stderr) std::tie(state->err_.fd_, child_err) = make_pipe(false);
  const int child_stderr = options.merge_stderr ? child_out.get() : child_err.get();
  check(::posix_spawn_file_actions_adddup2(&actions, child_stderr, 2), "adddup2");
  if (options.working_dir)
    check(::posix_spawn_file_actions_addchdir_np(&actions, options.working_dir->c_str()), "addchdir");
  // Our pipes are CLOEXEC, but fds the test opened itself (listening sockets!)
  // may not be; a child holding them would keep ports and connections alive.
  check(::posix_spawn_file_actions_addclosefrom_np(&actions, 3), "addclosefrom");

  // Own process group so kill() reaches grandchildren; default dispositions
  // and an empty mask so the child does not inherit our SIGPIPE=SIG_IGN.
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  const short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  check(::posix_spawnattr_setflags(&attr, flags), "posix_spawnattr_setflags");
  check(::posix_spawnattr_setpgroup(&attr, 0), "posix_spawnattr_setpgroup");
  check(::posix_spawnattr_setsigdefault(&attr, &all), "posix_spawnattr_setsigdefault");
  check(::posix_spawnattr_setsigmask(&attr, &none), "posix_spawnattr_setsigmask");

  // glibc's posix_spawnp runs the child with CLONE_VFORK and reports a failed
  // chdir/exec through its return value, like a CLOEXEC status pipe would.
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  if (rc != 0) throw_errno(rc, "spawn " + options.argv[0]);
  state->pid_ = pid;  // from here on ~impl kills and reaps if we throw
  state->pidfd_.reset(pidfd_open(pid));
  if (!state->pidfd_) throw_errno(errno, "pidfd_open");
  if (options.stdin_data) {
    state->in_pending_ = *options.stdin_data;
    state->close_in_when_flushed_ = !options.stdin_pipe;
    state->flush_stdin();
  }
  return process(std::move(state));
}

pid_t process::pid() const { return impl_->pid_; }

std::optional<std::string> process::read_stdout_line(clock::duration timeout) {
  return impl_->read_line(impl_->out_, clock::now() + timeout);
}
std::optional<std::string> process::read_stderr_line(clock::duration timeout) {
  return impl_->read_line(impl_->err_, clock::now() + timeout);
}
std::optional<std::string> process::wait_for_stdout(std::string_view needle, clock::duration timeout) {
  return impl_->wait_for(
      impl_->out_, [&](std::string_view l) { return l.find(needle) != l.npos; }, timeout);
}
std::optional<std::string> process::wait_for_stderr(std::string_view needle, clock::duration timeout) {
  return impl_->wait_for(
      impl_->err_, [&](std::string_view l) { return l.find(needle) != l.npos; }, timeout);
}
std::optional<std::string> process::wait_for_stdout_if(const line_predicate& pred, clock::duration timeout) {
  return impl_->wait_for(impl_->out_, pred, timeout);
}
std::optional<std::string> process::wait_for_stderr_if(const line_predicate& pred, clock::duration timeout) {
  return impl_->wait_for(impl_->err_, pred, timeout);
}

std::optional<int> process::wait(clock::duration timeout) {
  impl& s = *impl_;
  s.timed_out_ = false;
  const bool done = s.pump(clock::now() + timeout, [&] { return !s.out_.fd_ && !s.err_.fd_ && s.status_; });
  return done ? s.status_ : std::nullopt;
}

std::optional<int> process::exit_code() const { return impl_->status_; }
bool process::timed_out() const { return impl_->timed_out_; }

void process::write_stdin(std::string_view data) {
  if (!impl_->in_ || impl_->close_in_when_flushed_) return;
  impl_->in_pending_.append(data);
  impl_->flush_stdin();
}

void process::close_stdin() {
  impl_->close_in_when_flushed_ = true;
  impl_->flush_stdin();
}

void process::signal(int sig, bool whole_group) {
  // An unreaped child's pid cannot be reused, so kill(pid) is race-free.
  if (!whole_group && impl_->status_) return;
  const pid_t target = whole_group ? -impl_->pid_ : impl_->pid_;
  if (::kill(target, sig) != 0 && errno != ESRCH) throw_errno(errno, "kill");
}

void process::kill() { signal(SIGKILL, true); }

const std::string& process::stdout_text() const { return impl_->out_.text_; }
const std::string& process::stderr_text() const { return impl_->err_.text_; }

std::optional<unsigned short> port_from_text(std::string_view line) {
  constexpr std::string_view marker = "Listening at ", space = " \t\r\n";
  if (auto at = line.find(marker); at != line.npos) line.remove_prefix(at + marker.size());
  for (auto start = line.find_first_not_of(space); start != line.npos; start = line.find_first_not_of(space)) {
    line.remove_prefix(start);
    auto tok = line.substr(0, line.find_first_of(space));
    if (auto port = port_of_token(tok)) return port;
    line.remove_prefix(tok.size());
  }
  return std::nullopt;
}

#ifndef TCPKIT_BINARY_PATH
#define TCPKIT_BINARY_PATH ""
#endif
#ifndef TCPKIT_SEEDS_DIR
#define TCPKIT_SEEDS_DIR ""
#endif

std::string tcpkit_binary() {
  const char* env = std::getenv("TCPKIT_BINARY");
  return env != nullptr && *env != '\0' ? env : TCPKIT_BINARY_PATH;
}

std::optional<std::string> seeds_dir() {
  const char* env = std::getenv("TCPKIT_SEEDS_DIR");
  std::string dir = env != nullptr && *env != '\0' ? env : TCPKIT_SEEDS_DIR;
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_regular_file(std::filesystem::path(dir) / "tcp_sixteen.py", ec))
    return std::nullopt;
  return dir;
}

}  // namespace tcpkit::test
