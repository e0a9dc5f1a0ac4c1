#include "cases.hpp"
namespace tcpkit::check {
std::vector<check_case> uppercase_server_cases() { return {}; }
}
