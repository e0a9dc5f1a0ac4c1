// Stand-ins for cli/*_run.cpp, for programs that only parse command lines (the argument fuzzer,
// its replay test, cli_parse_test). Parsing must never run anything: reaching one is a failure.
#include "actions.hpp"

#include <cstdlib>

namespace tcpkit::cli {

int sixteen_server_main(const common_options&) { std::abort(); }
int sixteen_client_main(const common_options&, const sixteen_client_options&) { std::abort(); }
int lines_server_main(const common_options&, std::size_t) { std::abort(); }
int lines_client_main(const common_options&, const lines_client_options&, const std::string&) { std::abort(); }
int uppercase_server_main(const common_options&, std::size_t) { std::abort(); }
int uppercase_client_main(const common_options&, const uppercase_client_options&) { std::abort(); }
int bench_sixteen_main(const common_options&, const load_plan&) { std::abort(); }
int bench_uppercase_main(const common_options&, const load_plan&, const uppercase_load_options&) { std::abort(); }
int bench_lines_main(const common_options&, const load_plan&, const lines_load_options&) { std::abort(); }
int plot_main(const plot_settings&) { std::abort(); }
int proxy_main(const common_options&, const proxy_settings&) { std::abort(); }
int check_main(const check_settings&) { std::abort(); }

}  // namespace tcpkit::cli
