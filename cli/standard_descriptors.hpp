// Standard descriptors that whoever started tcpkit closed (`>&-`, `<&-`, `2>&-`).
//
// A closed 0, 1 or 2 is the lowest free number, so the next descriptor tcpkit opens (Asio's
// eventfd, a socket) would take it, and be read as stdin or written as stdout: received lines
// written into an eventfd and acknowledged, an eventfd's counter sent as input. So, before
// anything else opens a descriptor, each closed one is reopened on /dev/null; and it is
// remembered, so that a role whose payload is that stream (the lines roles) can refuse to run.
#pragma once

namespace tcpkit::cli {

// Call first in main(). Afterwards 0, 1 and 2 are open, whatever the process was given.
void reopen_closed_standard_descriptors() noexcept;

// Whether `fd` (0, 1 or 2) was closed when reopen_closed_standard_descriptors() ran.
bool was_closed_at_start(int fd) noexcept;

}  // namespace tcpkit::cli
