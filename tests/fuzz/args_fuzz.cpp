// libFuzzer target: tcpkit's whole command line (cli/app.hpp), parsed and never run. The input
// is argv after the program name, arguments separated by NUL bytes. Invariants: parsing throws
// nothing (every CLI11 error becomes a usage error), and each outcome is well formed.
#include "app.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args{"tcpkit"};
  for (std::size_t from = 0; from <= input.size();) {
    const std::size_t nul = std::min(input.find('\0', from), input.size());
    args.emplace_back(input.substr(from, nul - from));
    from = nul + 1;
  }
  if (args.size() > 64) return 0;  // nothing new to find in longer command lines
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);

  using outcome = tcpkit::cli::parsed_command_line::outcome;
  const auto parsed = tcpkit::cli::parse_command_line(static_cast<int>(args.size()), argv.data());
  switch (parsed.kind) {
    case outcome::run:
      require(static_cast<bool>(parsed.run) && parsed.text.empty());  // a role was chosen
      break;
    case outcome::print:
      require(!parsed.run && !parsed.text.empty() && parsed.text.back() == '\n');
      break;
    case outcome::usage:
      require(!parsed.run && parsed.text.starts_with("tcpkit: ") && parsed.text.back() == '\n');
      break;
    default:
      require(false);
  }
  return 0;
}
