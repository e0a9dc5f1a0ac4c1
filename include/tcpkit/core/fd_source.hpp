// Input for a client to send: bytes from memory, or from a file descriptor (a file, stdin),
// read without blocking the event loop.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

namespace tcpkit {

inline constexpr std::size_t kDefaultSourceChunk = 256 * 1024;

class byte_source {
 public:
  virtual ~byte_source() = default;
  // The next chunk, or an empty view at the end. The view stays valid until the next call.
  // Throws tcpkit::error ("read NAME: <reason>") on failure.
  virtual asio::awaitable<std::string_view> async_read_chunk() = 0;
};

// Bytes the program already holds, handed out in chunks. Does not copy: `data` must outlive it.
class string_source final : public byte_source {
 public:
  explicit string_source(std::string_view data, std::size_t chunk = kDefaultSourceChunk)
      : data_(data), chunk_(chunk == 0 ? 1 : chunk) {}
  asio::awaitable<std::string_view> async_read_chunk() override;

 private:
  std::string_view data_;
  std::size_t chunk_;
};

// A file descriptor, which stays open and owned by the caller.
//
// A regular file is read directly: such a read never waits for another process. Anything
// else (a pipe, a terminal, a socket) may wait for as long as a person takes to type, so a
// helper thread waits with poll() and then reads, and the event loop goes on meanwhile (the
// connection's other direction, timers, Ctrl-C). Making the descriptor non-blocking instead
// would change it for every process sharing it, like the shell on the same terminal.
//
//   async_read_chunk --request--> helper: poll(fd, stop pipe) -> read() into chunk_
//                    <--wake (posted to the executor)--
class fd_source final : public byte_source {
 public:
  // `name` names the input in errors ("read stdin: ..."). `executor` must run on one thread.
  fd_source(const asio::any_io_executor& executor, int fd, std::string name,
            std::size_t chunk = kDefaultSourceChunk);
  fd_source(const fd_source&) = delete;
  fd_source& operator=(const fd_source&) = delete;
  ~fd_source() override;  // stops and joins the helper thread, wherever it is waiting

  asio::awaitable<std::string_view> async_read_chunk() override;

 private:
  struct shared;  // what the helper thread uses
  static void read_on_request(const std::shared_ptr<shared>& s);

  std::shared_ptr<shared> state_;
  asio::steady_timer wake_;  // never expires; cancel() wakes the reader
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  std::thread helper_;  // not started for regular files
};

}  // namespace tcpkit
