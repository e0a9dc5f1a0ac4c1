#include "typed_options.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>

#include <utility>

namespace tcpkit::cli {

CLI::Validator count_value(std::string option, std::uint64_t min, std::uint64_t max) {
  return CLI::Validator([option = std::move(option), min, max](std::string& text) {
    text = std::to_string(parse_count(option, text, min, max));
    return std::string();
  }, "");
}

CLI::Validator size_value(std::string option, std::uint64_t min, std::uint64_t max) {
  return CLI::Validator([option = std::move(option), min, max](std::string& text) {
    text = std::to_string(parse_size(option, text, min, max));
    return std::string();
  }, "");
}

CLI::Validator seconds_value(std::string option, double min, double max) {
  return CLI::Validator([option = std::move(option), min, max](std::string& text) {
    text = fmt::format("{}", parse_seconds(option, text, min, max));  // shortest form that reads back the same
    return std::string();
  }, "");
}

CLI::Validator port_value(std::string option) {
  return CLI::Validator([option = std::move(option)](std::string& text) {
    text = std::to_string(parse_port(option, text));
    return std::string();
  }, "");
}

CLI::Validator choice_value(std::string option, std::vector<std::string> choices) {
  return CLI::Validator([option = std::move(option), choices = std::move(choices)](std::string& text) {
    if (std::find(choices.begin(), choices.end(), text) == choices.end()) {
      throw_bad_value(option, text, fmt::format("not one of {}", fmt::join(choices, ", ")));
    }
    return std::string();
  }, "");
}

CLI::Validator existing_file_value(std::string option) {
  return CLI::Validator([option = std::move(option)](std::string& text) {
    std::error_code ec;
    const auto status = std::filesystem::status(text, ec);
    if (!std::filesystem::exists(status)) throw_bad_value(option, text, "no such file");
    if (std::filesystem::is_directory(status)) throw_bad_value(option, text, "a directory, not a file");
    return std::string();
  }, "");
}

CLI::Validator input_file_value(std::string option) {
  return CLI::Validator([option = std::move(option)](std::string& text) {
    std::error_code ec;
    const bool number = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
    if (number && !std::filesystem::exists(text, ec)) {
      throw usage_error(fmt::format("{} {}: no such file", option, text),
                        fmt::format("a port is given with -p: -p {}", text));
    }
    return std::string();
  }, "");
}

CLI::Option* add_seconds_option(CLI::App& command, const std::string& name, std::chrono::steady_clock::duration& target,
                                const std::string& help, double min, double max) {
  auto* option = command.add_option_function<double>(name, [&target](double s) { target = seconds(s); }, help);
  return option->transform(seconds_value(option->get_name(), min, max))->type_name("SECONDS");
}

CLI::Option* add_choice_option(CLI::App& command, const std::string& name, std::string& target, const std::string& help,
                               std::vector<std::string> choices) {
  auto* option = command.add_option(name, target, help);
  option->type_name(fmt::format("{}", fmt::join(choices, "|")));
  return option->check(choice_value(option->get_name(), std::move(choices)));
}

}  // namespace tcpkit::cli
