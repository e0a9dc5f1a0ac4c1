#include "tcpkit/core/fd_sink.hpp"

#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <sys/stat.h>

namespace tcpkit {
namespace {

// A regular file: write(2) to it never waits for a reader (only, at worst, for the disk), and
// epoll cannot wait on it anyway.
bool is_regular_file(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

fd_sink::fd_sink(const asio::any_io_executor& executor, int fd, std::string name, std::size_t high_water)
    : fd_(fd),
      name_(std::move(name)),
      high_water_(high_water == 0 ? 1 : high_water),
      direct_(is_regular_file(fd)),
      wake_(executor, clock::time_point::max()) {
  // The writer's thread reaches this object only through handlers posted to the executor, each
  // of which first checks that the object is still alive.
  const std::weak_ptr<int> alive = alive_;
  writer_.on_progress([this, alive, executor] {
    asio::post(executor, [this, alive] {
      if (alive.lock()) wake_waiters();
    });
  });
  writer_.on_failure([this, alive, executor] {
    asio::post(executor, [this, alive] {
      if (!alive.lock()) return;
      wake_waiters();
      if (on_failure_) on_failure_(failure_error());
    });
  });
}

fd_sink::~fd_sink() { close(kDefaultSinkCloseLimit); }

error fd_sink::failure_error() const { return error(writer_.failure(), "write", name_); }

void fd_sink::on_failure(std::function<void(const error&)> callback) { on_failure_ = std::move(callback); }

void fd_sink::wake_waiters() { wake_.cancel(); }

asio::awaitable<void> fd_sink::wait_for_progress() {
  // The writer has been asked, together with the check that made us wait (under its lock), to
  // call on_progress after its next write: that cannot happen unseen in between.
  std::error_code ignored;  // cancel() is the normal way out
  co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

bool fd_sink::write_directly(std::string_view bytes) {
  switch (writer_.write_now(fd_, bytes)) {
    case fd_writer::status::queued: return true;
    case fd_writer::status::full: return false;  // something queued: this block goes after it
    case fd_writer::status::failed: throw failure_error();
    case fd_writer::status::closed: break;
  }
  throw error(asio::error::operation_aborted, "write", name_, "closed");
}

asio::awaitable<void> fd_sink::async_write(const line_block& block) {
  if (direct_ && write_directly(block.bytes)) co_return;
  for (;;) {
    switch (writer_.try_append(fd_, block.bytes, high_water_)) {
      case fd_writer::status::queued: co_return;
      case fd_writer::status::full: break;
      case fd_writer::status::failed: throw failure_error();
      case fd_writer::status::closed: throw error(asio::error::operation_aborted, "write", name_, "closed");
    }
    co_await wait_for_progress();
  }
}

asio::awaitable<void> fd_sink::async_flush() {
  const std::uint64_t target = writer_.bytes_taken();
  while (!writer_.written_through(target)) co_await wait_for_progress();
  if (writer_.failure()) throw failure_error();
}

bool fd_sink::close(clock::duration limit) { return writer_.close(limit); }

std::uint64_t fd_sink::bytes_written() const { return writer_.bytes_written(); }

std::uint64_t fd_sink::bytes_unwritten() const { return writer_.bytes_taken() - writer_.bytes_written(); }

}  // namespace tcpkit
