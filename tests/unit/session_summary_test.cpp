// The session summary's rules (who closed first, and how) and its two forms, without a network:
// a closed socket gives the watch no kernel state, so only the outcomes noted here decide.
#include "support/recording_reporter.hpp"
#include "support/session_line.hpp"
#include "support/socket_pair.hpp"

#include "tcpkit/core/close.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/instruments/session_summary.hpp"

#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include <poll.h>

#include <cerrno>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;

struct fixture {
  asio::io_context io;
  tcp::socket closed{io};
  test::recording_reporter events;

  // The one event a watch reports for a server's connection 7 with 16 bytes each way in 1 ms.
  test::recording_reporter::entry report(close_watch& watch, std::string_view role = "server") {
    report_session(events, watch, closed, {role, role == "server" ? 7u : 0u, "127.0.0.1:50000", 16, 16, 1ms});
    const auto all = events.entries();
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? test::recording_reporter::entry{} : all.back();
  }
};

TEST(SessionSummary, ADisabledWatchReportsNothing) {
  fixture f;
  close_watch watch;
  report_session(f.events, watch, f.closed, {"server", 1, "127.0.0.1:50000", 16, 16, 1ms});
  EXPECT_TRUE(f.events.entries().empty());
}

TEST(SessionSummary, TextAndJsonSayTheSameThing) {
  fixture f;
  close_watch watch(true);
  const auto e = f.report(watch);
  EXPECT_EQ(e.type, event_type::session);
  EXPECT_EQ(e.text,
            "  Session with 127.0.0.1:50000: received 16 bytes (16.0 kB/s), sent 16 bytes (16.0 kB/s) in 1 ms; "
            "the server closed first (FIN)");
  EXPECT_EQ(e.json,
            R"({"event":"session","schema_version":1,"conn":7,"peer":"127.0.0.1:50000","bytes_sent":16,"bytes_received":16,)"
            R"("seconds":0.001,"sent_mb_per_s":0.016,"received_mb_per_s":0.016,"closed_by":"server","close_how":"fin"})");
}

TEST(SessionSummary, AClientSaysWhatItSentFirstAndHasNoConn) {
  fixture f;
  close_watch watch(true);
  const auto e = f.report(watch, "client");
  EXPECT_EQ(e.text.rfind("  Session with 127.0.0.1:50000: sent 16 bytes (16.0 kB/s), received 16 bytes", 0), 0u) << e.text;
  EXPECT_EQ(e.json.find("\"conn\""), std::string::npos) << e.json;
}

TEST(SessionSummary, ATimeoutOrAStopIsThisSidesCut) {
  for (const auto& [code, words] : {std::pair{make_error_code(errc::timed_out), "idle timeout"},
                                    std::pair{make_error_code(errc::stalled), "stall watchdog"},
                                    std::pair{std::error_code(asio::error::operation_aborted), "interrupted"}}) {
    fixture f;
    close_watch watch(true);
    watch.note_failure(f.closed, std::system_error(code));
    EXPECT_EQ(f.report(watch).text.substr(f.events.entries().back().text.find("; the")),
              std::string("; the server closed first (") + words + ")");
  }
}

TEST(SessionSummary, APeerResetOutweighsOurEarlierHalfCloseButNotOurCut) {
  fixture f;
  close_watch watch(true);
  watch.note_closing(f.closed);  // our half-close (no kernel state to read on a closed socket)
  watch.note_failure(f.closed, std::system_error(std::error_code(ECONNRESET, std::system_category())));
  EXPECT_EQ(watch.closed_by(), closer::peer);
  EXPECT_EQ(watch.how(), close_how::reset);
  watch.note_cut(close_how::interrupted);
  EXPECT_EQ(watch.closed_by(), closer::local);
  EXPECT_EQ(watch.how(), close_how::interrupted);
  watch.note_cut(close_how::idle_timeout);  // the first cut wins
  EXPECT_EQ(watch.how(), close_how::interrupted);
}

// Waits (bounded) until the peer's FIN or reset has reached `socket`.
bool peer_closed(tcp::socket& socket) {
  pollfd pfd{socket.native_handle(), POLLRDHUP, 0};
  return ::poll(&pfd, 1, 5000) == 1;
}

TEST(SessionSummary, TheKernelSaysWhoClosedFirst) {
  {  // the peer's FIN, then ours
    asio::io_context io;
    auto [client, server] = test::make_socket_pair(io);
    client.shutdown(tcp::socket::shutdown_send);
    ASSERT_TRUE(peer_closed(server));
    close_watch watch(true);
    watch.note_closing(server);
    EXPECT_EQ(watch.closed_by(), closer::peer);
    EXPECT_EQ(watch.how(), close_how::fin);
  }
  {  // the peer's reset
    asio::io_context io;
    auto [client, server] = test::make_socket_pair(io);
    abort_connection(client);
    ASSERT_TRUE(peer_closed(server));
    close_watch watch(true);
    watch.note_closing(server);
    EXPECT_EQ(watch.closed_by(), closer::peer);
    EXPECT_EQ(watch.how(), close_how::reset);
  }
  {  // our half-close first: a later failure of ours does not make it an error
    asio::io_context io;
    auto [client, server] = test::make_socket_pair(io);
    close_watch watch(true);
    watch.note_closing(client);
    client.shutdown(tcp::socket::shutdown_send);
    watch.note_failure(client, std::system_error(make_error_code(errc::data_mismatch)));
    EXPECT_EQ(watch.closed_by(), closer::local);
    EXPECT_EQ(watch.how(), close_how::fin);
  }
  {  // a failure before anything was closed is this side's error
    asio::io_context io;
    auto [client, server] = test::make_socket_pair(io);
    close_watch watch(true);
    watch.note_failure(client, std::system_error(make_error_code(errc::data_mismatch)));
    EXPECT_EQ(watch.closed_by(), closer::local);
    EXPECT_EQ(watch.how(), close_how::error);
  }
}

// One classifier says what a failure's code tells of the ending, for the summary and for bench.
TEST(SessionSummary, AFailuresCodeIsClassifiedOnce) {
  EXPECT_EQ(classify_ending(make_error_code(errc::timed_out)), close_how::idle_timeout);
  EXPECT_EQ(classify_ending(make_error_code(errc::stalled)), close_how::stall_timeout);
  EXPECT_EQ(classify_ending(make_error_code(errc::interrupted)), close_how::interrupted);
  EXPECT_EQ(classify_ending(asio::error::operation_aborted), close_how::interrupted);
  EXPECT_EQ(classify_ending(asio::error::connection_reset), close_how::reset);
  EXPECT_EQ(classify_ending(asio::error::broken_pipe), close_how::reset);
  EXPECT_EQ(classify_ending(asio::error::connection_aborted), close_how::reset);
  EXPECT_EQ(classify_ending(make_error_code(errc::short_read)), close_how::fin);
  EXPECT_EQ(classify_ending(asio::error::eof), close_how::fin);
  EXPECT_EQ(classify_ending(make_error_code(errc::data_mismatch)), close_how::error);
  EXPECT_EQ(classify_ending(asio::error::timed_out), close_how::error);  // the kernel's, not our deadline
  // A graceful close's outcomes are words of the same vocabulary (the JSON "close" value).
  EXPECT_EQ(to_string(close_how::fin), "fin");
  EXPECT_EQ(to_string(close_how::drain_timeout), "drain_timeout");
  EXPECT_EQ(to_string(close_how::reset), "reset");
}

TEST(SessionSummary, AnOpenSocketGivesTheFinalTcpInfo) {
  asio::io_context io;
  auto [client, server] = test::make_socket_pair(io);
  test::recording_reporter events;
  close_watch watch(true);
  report_session(events, watch, client, {"client", 0, "127.0.0.1:1060", 16, 16, 1ms});
  ASSERT_EQ(events.entries().size(), 1u);
  const auto e = events.entries().back();
  EXPECT_TRUE(test::has_session_line(e.text, {"client", 16, 16, "client", "FIN"})) << e.text;
  EXPECT_NE(e.json.find(R"("tcp_state":"ESTABLISHED","rtt_us":)"), std::string::npos) << e.json;
}

}  // namespace
}  // namespace tcpkit
