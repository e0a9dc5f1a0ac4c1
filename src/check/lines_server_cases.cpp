#include "cases.hpp"
namespace tcpkit::check {
std::vector<check_case> lines_server_cases() { return {}; }
}
