#include "help_format.hpp"

namespace tcpkit::cli {

std::string help_format::make_option_usage(const CLI::Option* option) const {
  const std::string name = option->get_name(true, false);
  std::string usage = name;
  if (option->get_expected_max() == 2) usage += " [" + name + "]";
  return option->get_required() ? usage : "[" + usage + "]";
}

std::string help_format::make_option_opts(const CLI::Option* option) const {
  if (option->get_positional()) return {};
  return CLI::Formatter::make_option_opts(option);
}

}  // namespace tcpkit::cli
