// The six suites, one file each; suite.cpp puts them together in all_cases().
#pragma once

#include "tcpkit/check/suite.hpp"

#include <vector>

namespace tcpkit::check {

std::vector<check_case> sixteen_server_cases();
std::vector<check_case> sixteen_client_cases();
std::vector<check_case> uppercase_server_cases();
std::vector<check_case> uppercase_client_cases();
std::vector<check_case> lines_server_cases();
std::vector<check_case> lines_client_cases();

}  // namespace tcpkit::check
