#include "tcpkit/fd_sink.hpp"

#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>

namespace tcpkit {

struct fd_sink::shared {
  shared(int descriptor, std::string label) : fd(descriptor), name(std::move(label)) {}

  const int fd;
  const std::string name;
  std::mutex mutex;
  std::condition_variable work;      // pending or closing changed
  std::condition_variable finished;  // the thread is about to end
  std::string pending;               // taken, waiting for the writer
  std::string writing;               // being written; only the writer touches it
  std::uint64_t queued = 0;          // bytes ever taken
  std::uint64_t written = 0;         // bytes ever written
  std::error_code failure;
  int waiters = 0;             // sessions waiting for room or for a flush
  bool closing = false;
  bool done = false;
  bool abandoned = false;      // close() gave up: post nothing any more
  std::function<void()> wake;  // posts wake_waiters() to the executor
  std::function<void()> fail;  // posts the failure callback to the executor
};

namespace {

// Writes all of `data`, however many write(2) calls it takes. Tolerates a descriptor that
// someone else made non-blocking by waiting with poll() instead of spinning on EAGAIN.
std::error_code write_all(int fd, std::string_view data) {
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

// A regular file: write(2) to it never waits for a reader (only, at worst, for the disk), and
// epoll cannot wait on it anyway.
bool is_regular_file(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

fd_sink::fd_sink(const asio::any_io_executor& executor, int fd, std::string name, std::size_t high_water)
    : state_(std::make_shared<shared>(fd, std::move(name))),
      high_water_(high_water == 0 ? 1 : high_water),
      direct_(is_regular_file(fd)),
      wake_(executor, clock::time_point::max()) {
  // The thread reaches this object only through handlers posted to the executor, each of
  // which first checks that the object is still alive.
  const std::weak_ptr<int> alive = alive_;
  state_->wake = [this, alive, executor] {
    asio::post(executor, [this, alive] {
      if (alive.lock()) wake_waiters();
    });
  };
  state_->fail = [this, alive, executor] {
    asio::post(executor, [this, alive] {
      if (!alive.lock()) return;
      std::error_code failure;
      {
        std::lock_guard lock(state_->mutex);
        failure = state_->failure;
      }
      wake_waiters();
      if (on_failure_) on_failure_(error(failure, "write", state_->name));
    });
  };
  writer_ = std::thread([s = state_] { write_until_closed(s); });
}

fd_sink::~fd_sink() { close(kDefaultSinkCloseLimit); }

void fd_sink::write_until_closed(const std::shared_ptr<shared>& s) {
  std::unique_lock lock(s->mutex);
  for (;;) {
    s->work.wait(lock, [&] { return !s->pending.empty() || s->closing; });
    if (s->pending.empty()) break;  // closing, and everything is written
    std::swap(s->pending, s->writing);
    lock.unlock();
    const std::error_code ec = write_all(s->fd, s->writing);
    lock.lock();
    if (ec) {
      s->failure = ec;
      s->pending.clear();
      s->writing.clear();
      if (!s->abandoned) s->fail();
      break;
    }
    s->written += s->writing.size();
    s->writing.clear();
    // Posting under the lock: close() sets `abandoned` under it too, so once close() has
    // returned nothing more can reach the executor.
    if (s->waiters > 0 && !s->abandoned) s->wake();
  }
  s->done = true;
  s->finished.notify_all();
}

void fd_sink::on_failure(std::function<void(const error&)> callback) { on_failure_ = std::move(callback); }

void fd_sink::wake_waiters() { wake_.cancel(); }

asio::awaitable<void> fd_sink::wait_for_progress() {
  // The caller has counted itself in `waiters` under the lock, together with the check that
  // made it wait, so the writer cannot finish a write unseen in between.
  struct leave {
    shared& s;
    ~leave() {
      std::lock_guard lock(s.mutex);
      --s.waiters;
    }
  } guard{*state_};
  std::error_code ignored;  // cancel() from the writer is the normal way out
  co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

bool fd_sink::write_directly(std::string_view bytes) {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->failure) throw error(state_->failure, "write", state_->name);
    if (state_->closing) throw error(asio::error::operation_aborted, "write", state_->name, "closed");
    // Something is queued or being written: this block goes after it, through the queue.
    if (state_->queued != state_->written) return false;
  }
  // The writer thread has nothing to do, and only this thread (the executor's) hands it work,
  // so nothing can overtake this write.
  const std::error_code ec = write_all(state_->fd, bytes);
  std::lock_guard lock(state_->mutex);
  if (ec) {
    state_->failure = ec;
    if (!state_->abandoned) state_->fail();
    throw error(ec, "write", state_->name);
  }
  state_->queued += bytes.size();
  state_->written += bytes.size();
  return true;
}

asio::awaitable<void> fd_sink::async_write(const line_block& block) {
  if (direct_ && write_directly(block.bytes)) co_return;
  for (;;) {
    {
      std::lock_guard lock(state_->mutex);
      if (state_->failure) throw error(state_->failure, "write", state_->name);
      if (state_->closing) throw error(asio::error::operation_aborted, "write", state_->name, "closed");
      if (state_->pending.size() < high_water_) {
        state_->pending.append(block.bytes);
        state_->queued += block.bytes.size();
        state_->work.notify_one();
        break;
      }
      ++state_->waiters;
    }
    co_await wait_for_progress();
  }
}

asio::awaitable<void> fd_sink::async_flush() {
  std::uint64_t target = 0;
  {
    std::lock_guard lock(state_->mutex);
    target = state_->queued;
  }
  for (;;) {
    {
      std::lock_guard lock(state_->mutex);
      if (state_->failure) throw error(state_->failure, "write", state_->name);
      if (state_->written >= target) break;
      ++state_->waiters;
    }
    co_await wait_for_progress();
  }
}

bool fd_sink::close(clock::duration limit) {
  if (closed_) return true;
  closed_ = true;
  std::unique_lock lock(state_->mutex);
  state_->closing = true;
  state_->work.notify_all();
  const bool drained = state_->finished.wait_for(lock, limit, [&] { return state_->done; });
  if (!drained) state_->abandoned = true;
  lock.unlock();
  if (drained) {
    writer_.join();
  } else {
    writer_.detach();  // blocked in write(2); it owns what it uses and ends with the process
  }
  return drained;
}

std::uint64_t fd_sink::bytes_written() const {
  std::lock_guard lock(state_->mutex);
  return state_->written;
}

std::uint64_t fd_sink::bytes_unwritten() const {
  std::lock_guard lock(state_->mutex);
  return state_->queued - state_->written;
}

}  // namespace tcpkit
