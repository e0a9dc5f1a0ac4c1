#include "cases.hpp"
namespace tcpkit::check {
std::vector<check_case> uppercase_client_cases() { return {}; }
}
