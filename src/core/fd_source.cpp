#include "tcpkit/core/fd_source.hpp"

#include "tcpkit/core/deadline.hpp"
#include "tcpkit/core/errors.hpp"

#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace tcpkit {

asio::awaitable<std::string_view> string_source::async_read_chunk() {
  const std::string_view chunk = data_.substr(0, std::min(chunk_, data_.size()));
  data_.remove_prefix(chunk.size());
  co_return chunk;
}

struct fd_source::shared {
  shared(int descriptor, std::string label, std::size_t size)
      : fd(descriptor), name(std::move(label)), chunk_size(size), chunk(std::make_unique_for_overwrite<char[]>(size)) {}
  ~shared() {
    if (stop_read >= 0) ::close(stop_read);
    if (stop_write >= 0) ::close(stop_write);
  }

  const int fd;
  const std::string name;
  const std::size_t chunk_size;
  std::unique_ptr<char[]> chunk;
  bool direct = false;  // a regular file: read on the caller's thread
  int stop_read = -1;   // a pipe whose write end wakes the helper's poll() to stop it
  int stop_write = -1;

  // idle -> requested (by the reader) -> reading (helper) -> ready (helper) -> idle (reader).
  // A reader cancelled while waiting leaves a request in flight; the next call collects it.
  enum class step { idle, requested, reading, ready };
  std::mutex mutex;
  std::condition_variable changed;
  step state = step::idle;
  bool stopping = false;
  std::size_t length = 0;  // of the chunk read
  int error = 0;           // errno of the read, 0 if none
  std::function<void()> wake;
};

namespace {

// Reads once into `buffer`, retrying EINTR. Returns the count, or -1 with errno set.
ssize_t read_once(int fd, char* buffer, std::size_t size) {
  for (;;) {
    const ssize_t n = ::read(fd, buffer, size);
    if (n >= 0 || errno != EINTR) return n;
  }
}

}  // namespace

fd_source::fd_source(const asio::any_io_executor& executor, int fd, std::string name, std::size_t chunk)
    : state_(std::make_shared<shared>(fd, std::move(name), chunk == 0 ? 1 : chunk)),
      wake_(executor, clock::time_point::max()) {
  struct stat info {};
  if (::fstat(fd, &info) == 0 && (S_ISREG(info.st_mode) || S_ISBLK(info.st_mode))) {
    state_->direct = true;
    return;
  }
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) throw error({errno, std::system_category()}, "pipe", state_->name);
  state_->stop_read = ends[0];
  state_->stop_write = ends[1];
  const std::weak_ptr<int> alive = alive_;
  state_->wake = [this, alive, executor] {
    asio::post(executor, [this, alive] {
      if (alive.lock()) wake_.cancel();
    });
  };
  helper_ = std::thread([s = state_] { read_on_request(s); });
}

fd_source::~fd_source() {
  if (!helper_.joinable()) return;
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->changed.notify_all();
  const char byte = 0;
  [[maybe_unused]] const ssize_t n = ::write(state_->stop_write, &byte, 1);  // wakes poll()
  helper_.join();
}

void fd_source::read_on_request(const std::shared_ptr<shared>& s) {
  for (;;) {
    {
      std::unique_lock lock(s->mutex);
      s->changed.wait(lock, [&] { return s->state == shared::step::requested || s->stopping; });
      if (s->stopping) return;
      s->state = shared::step::reading;
    }
    pollfd fds[2] = {{s->fd, POLLIN, 0}, {s->stop_read, POLLIN, 0}};
    int ready = 0;
    do {
      ready = ::poll(fds, 2, -1);
    } while (ready < 0 && errno == EINTR);
    if (fds[1].revents != 0) return;  // stopping
    // POLLIN, POLLHUP (writer gone: read returns 0) or POLLERR (read returns the error).
    const ssize_t n = read_once(s->fd, s->chunk.get(), s->chunk_size);
    const int err = n < 0 ? errno : 0;
    std::lock_guard lock(s->mutex);
    s->length = n < 0 ? 0 : static_cast<std::size_t>(n);
    s->error = err;
    s->state = shared::step::ready;
    if (!s->stopping) s->wake();
  }
}

asio::awaitable<std::string_view> fd_source::async_read_chunk() {
  shared& s = *state_;
  if (s.direct) {
    const ssize_t n = read_once(s.fd, s.chunk.get(), s.chunk_size);
    if (n < 0) throw error({errno, std::system_category()}, "read", s.name);
    co_return std::string_view(s.chunk.get(), static_cast<std::size_t>(n));
  }
  {
    std::lock_guard lock(s.mutex);
    if (s.state == shared::step::idle) s.state = shared::step::requested;
  }
  s.changed.notify_all();
  for (;;) {
    {
      std::lock_guard lock(s.mutex);
      if (s.state == shared::step::ready) {
        s.state = shared::step::idle;
        break;
      }
    }
    // A wake left over from an earlier chunk only costs one more look at `ready`.
    std::error_code ignored;
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  if (s.error != 0) throw error({s.error, std::system_category()}, "read", s.name);
  co_return std::string_view(s.chunk.get(), s.length);
}

}  // namespace tcpkit
