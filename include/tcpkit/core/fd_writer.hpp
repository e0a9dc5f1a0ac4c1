// Writing to descriptors from a bounded queue, on a thread of its own, so that a reader that
// stops reading (a paused `less`, Ctrl-S on a terminal, a stuck `tee`) stalls that thread and
// never the caller:
//
//   callers (any thread)                                   writer thread
//   try_append(fd, bytes) --copy--> pending_ --swap--> writing_ --write(2)--> fd (in order)
//     refused at `limit` (see room)                          on_progress() after a write
//
// Why a thread: write(2) to a pipe or a terminal blocks while the reader is slow; making the
// descriptor non-blocking instead would change it for every process that shares it (the
// shell's terminal), and regular files cannot be waited on with epoll at all.
//
// Each write(2) takes everything queued for one descriptor meanwhile, so a busy output gets
// few large writes and an idle one (a terminal) each piece as soon as it arrives. What is
// queued for several descriptors (a log's stdout and stderr) is written in the order it was
// queued. The caller decides what a full queue means: wait (fd_sink, backpressure) or drop
// (log_writer).
#pragma once

#include "tcpkit/core/deadline.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

namespace tcpkit {

class fd_writer {
 public:
  // What a failed write(2) does: `stop` ends the writer (a payload: nothing after a gap may
  // follow), `skip` drops that piece and goes on (a log: a lost line is the lesser harm).
  enum class on_error { stop, skip };
  enum class status { queued, full, failed, closed };
  // What makes room under try_append's limit. `when_taken`: the thread taking a batch to
  // write, so one batch is in write(2) while the next fills (a sink that waits: double
  // buffering). `when_written`: only write(2) taking bytes, so a stalled reader lets nothing
  // more in (a log that drops: what it kept is exactly what fit before the stall).
  enum class room { when_taken, when_written };

  fd_writer(on_error policy, room rule);
  fd_writer(const fd_writer&) = delete;
  fd_writer& operator=(const fd_writer&) = delete;
  ~fd_writer();  // close(0): whatever is still blocked is left behind

  // Called on the writer thread with its lock held, so they must be quick and must not call
  // this writer: `progress` after a write that a caller asked to hear about (a refused
  // try_append, an unfinished written_through), `failure` once when a write fails under
  // on_error::stop. Neither is called once close() has returned. Set them before any write.
  void on_progress(std::function<void()> progress);
  void on_failure(std::function<void()> failure);

  // Queues a copy of `bytes` for `fd` unless `limit` bytes or more are waiting already (in the
  // queue; with room::when_written, in a write(2) that has not returned too): then returns
  // full, and the writer calls on_progress after its next write.
  status try_append(int fd, std::string_view bytes, std::size_t limit);

  // Writes `bytes` to `fd` on the calling thread, from the caller's buffer, if nothing is
  // queued or being written (else returns full: queue it instead). For descriptors that do not
  // wait for a reader (regular files); one calling thread only, or blocks may overtake.
  status write_now(int fd, std::string_view bytes);

  // True once the first `target` bytes ever taken have been written; otherwise the writer
  // calls on_progress after its next write (or its failure).
  bool written_through(std::uint64_t target);

  // Writes what is queued, then stops the thread. Returns false if that did not finish within
  // `limit` (a descriptor is blocked): the thread is then left behind with the rest, and no
  // callback runs any more.
  bool close(clock::duration limit);

  std::error_code failure() const;   // the write that stopped the writer, if any
  std::uint64_t bytes_taken() const;  // ever queued or written
  std::uint64_t bytes_written() const;

 private:
  struct shared;  // what the thread uses: kept alive by it, even when left behind
  static void write_until_closed(const std::shared_ptr<shared>& s);

  std::shared_ptr<shared> state_;
  std::thread thread_;
  bool closed_ = false;
};

// Writes all of `data` to `fd`, however many write(2) calls it takes; waits with poll() on a
// descriptor that someone else made non-blocking instead of spinning on EAGAIN.
std::error_code write_all_to(int fd, std::string_view data);

}  // namespace tcpkit
