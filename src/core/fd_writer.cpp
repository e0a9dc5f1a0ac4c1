#include "tcpkit/core/fd_writer.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace tcpkit {

namespace {

struct piece {
  int fd;
  std::string bytes;
};

}  // namespace

struct fd_writer::shared {
  shared(on_error p, room r) : policy(p), rule(r) {}

  const on_error policy;
  const room rule;
  std::mutex mutex;
  std::condition_variable work;      // pending or closing changed
  std::condition_variable finished;  // the thread is about to end
  std::vector<piece> pending;        // taken, waiting for the thread
  std::size_t pending_bytes = 0;
  std::uint64_t taken = 0;    // bytes ever taken
  std::uint64_t written = 0;  // bytes ever written (or skipped after a failure under `skip`)
  std::error_code failure;
  bool wake_requested = false;  // a caller waits to hear of the next write
  bool closing = false;
  bool done = false;
  bool abandoned = false;  // close() gave up: call nothing any more
  std::function<void()> progress;
  std::function<void()> fail;

  // Under the lock. close() sets `abandoned` under it too, so once close() has returned no
  // callback can run.
  void notify_progress() {
    if (!wake_requested || abandoned) return;
    wake_requested = false;
    if (progress) progress();
  }
};

std::error_code write_all_to(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n >= 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd pfd{fd, POLLOUT, 0};
      ::poll(&pfd, 1, -1);
      continue;
    }
    return {errno, std::system_category()};
  }
  return {};
}

fd_writer::fd_writer(on_error policy, room rule) : state_(std::make_shared<shared>(policy, rule)) {
  thread_ = std::thread([s = state_] { write_until_closed(s); });
}

fd_writer::~fd_writer() { close(clock::duration::zero()); }

void fd_writer::on_progress(std::function<void()> progress) {
  const std::lock_guard lock(state_->mutex);
  state_->progress = std::move(progress);
}

void fd_writer::on_failure(std::function<void()> failure) {
  const std::lock_guard lock(state_->mutex);
  state_->fail = std::move(failure);
}

void fd_writer::write_until_closed(const std::shared_ptr<shared>& s) {
  std::vector<piece> writing;
  std::unique_lock lock(s->mutex);
  while (!s->failure) {
    s->work.wait(lock, [&] { return !s->pending.empty() || s->closing; });
    if (s->pending.empty()) break;  // closing, and everything is written
    std::swap(s->pending, writing);
    s->pending_bytes = 0;
    lock.unlock();
    std::error_code ec;
    std::size_t done_bytes = 0;
    for (const piece& p : writing) {
      ec = write_all_to(p.fd, p.bytes);
      if (ec && s->policy == on_error::stop) break;
      done_bytes += p.bytes.size();
    }
    writing.clear();
    lock.lock();
    s->written += done_bytes;
    if (ec && s->policy == on_error::stop) {
      s->failure = ec;
      s->pending.clear();
      s->pending_bytes = 0;
      if (!s->abandoned && s->fail) s->fail();
    }
    s->notify_progress();
  }
  s->done = true;
  s->finished.notify_all();
}

fd_writer::status fd_writer::try_append(int fd, std::string_view bytes, std::size_t limit) {
  const std::lock_guard lock(state_->mutex);
  shared& s = *state_;
  if (s.failure) return status::failed;
  if (s.closing) return status::closed;
  const std::uint64_t waiting = s.rule == room::when_taken ? s.pending_bytes : s.taken - s.written;
  if (waiting >= limit) {
    s.wake_requested = true;
    return status::full;
  }
  if (s.pending.empty() || s.pending.back().fd != fd) s.pending.push_back({fd, {}});
  s.pending.back().bytes.append(bytes);
  s.pending_bytes += bytes.size();
  s.taken += bytes.size();
  s.work.notify_one();
  return status::queued;
}

fd_writer::status fd_writer::write_now(int fd, std::string_view bytes) {
  {
    const std::lock_guard lock(state_->mutex);
    if (state_->failure) return status::failed;
    if (state_->closing) return status::closed;
    if (state_->taken != state_->written) return status::full;
  }
  // The thread has nothing to do, and only this caller hands it work, so nothing can overtake
  // this write.
  const std::error_code ec = write_all_to(fd, bytes);
  const std::lock_guard lock(state_->mutex);
  if (ec && state_->policy == on_error::stop) {
    state_->failure = ec;
    if (!state_->abandoned && state_->fail) state_->fail();
    return status::failed;
  }
  state_->taken += bytes.size();
  state_->written += bytes.size();
  return status::queued;
}

bool fd_writer::written_through(std::uint64_t target) {
  const std::lock_guard lock(state_->mutex);
  if (state_->written >= target || state_->failure) return true;
  state_->wake_requested = true;
  return false;
}

bool fd_writer::close(clock::duration limit) {
  if (closed_) return true;
  closed_ = true;
  std::unique_lock lock(state_->mutex);
  state_->closing = true;
  state_->work.notify_all();
  const bool drained = state_->finished.wait_for(lock, limit, [&] { return state_->done; });
  if (!drained) state_->abandoned = true;
  lock.unlock();
  if (drained) {
    thread_.join();
  } else {
    thread_.detach();  // blocked in write(2); it owns what it uses and ends with the process
  }
  return drained;
}

std::error_code fd_writer::failure() const {
  const std::lock_guard lock(state_->mutex);
  return state_->failure;
}

std::uint64_t fd_writer::bytes_taken() const {
  const std::lock_guard lock(state_->mutex);
  return state_->taken;
}

std::uint64_t fd_writer::bytes_written() const {
  const std::lock_guard lock(state_->mutex);
  return state_->written;
}

}  // namespace tcpkit
