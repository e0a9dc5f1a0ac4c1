// The sixteen-octet exchange as load (tcpkit bench sixteen): connect, send "Hi there, server",
// read exactly 16 bytes, check they are "Farewell, client", read the server's EOF, close.
//
// Reading the EOF before closing checks the server said nothing more, and leaves the server,
// which closes first, holding TIME_WAIT: the client's ports are free again at once, so a long
// run does not exhaust them.
#pragma once

#include "tcpkit/instruments/load.hpp"

namespace tcpkit {

// The job for load_runner. A wrong reply, or more than 16 bytes, throws errc::data_mismatch.
load_job sixteen_load_job();

}  // namespace tcpkit
