#include "tcpkit/check/socket_table.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace tcpkit::check {

namespace {

// Sockets whose local port is `port` in the kernel state `state` ("0A" LISTEN, "06" TIME_WAIT).
int count_in_state(std::uint16_t port, const char* state_code) {
  char wanted[8];
  std::snprintf(wanted, sizeof wanted, ":%04X", port);
  int count = 0;
  for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream table(path);
    std::string line;
    std::getline(table, line);  // the header
    while (std::getline(table, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      if (state == state_code && local.size() > 5 && local.compare(local.size() - 5, 5, wanted) == 0) ++count;
    }
  }
  return count;
}

}  // namespace

bool is_listening(std::uint16_t port) { return count_in_state(port, "0A") > 0; }

int count_time_wait(std::uint16_t port) { return count_in_state(port, "06"); }

}  // namespace tcpkit::check
