#include "tcpkit/core/errors.hpp"

#include <asio/error.hpp>
#include <gtest/gtest.h>

#include <cerrno>

namespace tcpkit {
namespace {

TEST(Errors, MessageNamesOperationEndpointAndReason) {
  const error e(asio::error::connection_refused, "connect", "127.0.0.1:1060");
  EXPECT_STREQ(e.what(), "connect 127.0.0.1:1060: Connection refused");
  EXPECT_EQ(e.operation(), "connect");
  EXPECT_EQ(e.endpoint(), "127.0.0.1:1060");
  EXPECT_EQ(e.reason(), "Connection refused");
}

TEST(Errors, ExplicitReasonReplacesTheCodesMessage) {
  const error e(errc::timed_out, "connect", "[::1]:80", "timed out after 2 s");
  EXPECT_STREQ(e.what(), "connect [::1]:80: timed out after 2 s");
  EXPECT_EQ(e.code(), make_error_code(errc::timed_out));
}

TEST(Errors, WithoutEndpointTheMessageHasNoGap) {
  const error e(errc::usage, "parse");
  EXPECT_STREQ(e.what(), "parse: invalid argument");
}

TEST(Errors, ShortReadCarriesTheCountsInTheSeedsWords) {
  const short_read e(16, 5, "127.0.0.1:34183");
  EXPECT_EQ(e.expected(), 16u);
  EXPECT_EQ(e.received(), 5u);
  EXPECT_EQ(e.reason(), "was expecting 16 bytes but only received 5 bytes before the socket closed");
  EXPECT_STREQ(e.what(), "recv 127.0.0.1:34183: was expecting 16 bytes but only received 5 bytes before the socket closed");
  EXPECT_EQ(classify(e), exit_status::peer);
}

TEST(Errors, AsioSystemErrorsExposeTheirErrno) {
  EXPECT_EQ(system_errno(asio::error::connection_refused), ECONNREFUSED);
  EXPECT_EQ(system_errno(std::error_code(EMFILE, std::system_category())), EMFILE);
  EXPECT_EQ(system_errno(make_error_code(errc::timed_out)), 0);
  EXPECT_EQ(system_errno(asio::error::eof), 0);
}

struct classify_case {
  std::error_code code;
  exit_status expected;
};

class Classify : public ::testing::TestWithParam<classify_case> {};

TEST_P(Classify, MapsToTheDocumentedExitStatus) {
  EXPECT_EQ(classify(GetParam().code), GetParam().expected) << GetParam().code.message();
}

INSTANTIATE_TEST_SUITE_P(
    ExitCodes, Classify,
    ::testing::Values(classify_case{{}, exit_status::ok},
                      classify_case{asio::error::connection_refused, exit_status::unreachable},
                      classify_case{asio::error::address_in_use, exit_status::unreachable},
                      classify_case{asio::error::access_denied, exit_status::unreachable},
                      classify_case{asio::error::network_unreachable, exit_status::unreachable},
                      classify_case{asio::error::timed_out, exit_status::timed_out},
                      classify_case{make_error_code(errc::timed_out), exit_status::timed_out},
                      classify_case{asio::error::host_not_found, exit_status::resolve},
                      classify_case{asio::error::host_not_found_try_again, exit_status::resolve},
                      classify_case{asio::error::service_not_found, exit_status::resolve},
                      classify_case{asio::error::connection_reset, exit_status::peer},
                      classify_case{asio::error::broken_pipe, exit_status::peer},
                      classify_case{asio::error::eof, exit_status::peer},
                      classify_case{make_error_code(errc::short_read), exit_status::peer},
                      classify_case{make_error_code(errc::data_mismatch), exit_status::peer},
                      classify_case{make_error_code(errc::stalled), exit_status::deadlock},
                      classify_case{make_error_code(errc::usage), exit_status::usage},
                      classify_case{make_error_code(errc::interrupted), exit_status::interrupted},
                      classify_case{asio::error::no_memory, exit_status::failure}));

TEST(Errors, NonSystemExceptionsAreGeneralFailures) {
  EXPECT_EQ(classify(std::runtime_error("x")), exit_status::failure);
}

}  // namespace
}  // namespace tcpkit
