#include "tcpkit/lifecycle/run_outcome.hpp"

#include "tcpkit/core/errors.hpp"

#include <asio/error.hpp>

#include <string>
#include <system_error>

namespace tcpkit {
namespace {

// A run cut short by SIGINT fails as a cancelled operation; it exits 130, and says so.
bool is_interruption(const std::exception& failure) noexcept {
  const auto* e = dynamic_cast<const std::system_error*>(&failure);
  return e != nullptr && (e->code() == asio::error::operation_aborted || e->code() == errc::interrupted);
}

}  // namespace

void report_run_failure(reporter& report, const std::exception& failure, const close_watch& watch,
                           std::string_view peer) {
  const bool interrupted = is_interruption(failure);
  const auto status = static_cast<std::uint64_t>(interrupted ? exit_status::interrupted : classify(failure));
  if (report.wants(event_type::error)) {
    event e{event_type::error, {}, {}};
    if (const auto* located = dynamic_cast<const error*>(&failure)) e.fields.push_back({"operation", located->operation()});
    e.fields.push_back({"message", std::string(interrupted ? "interrupted" : failure.what())});
    e.fields.push_back({"exit_status", status});
    report.emit(e);
  }
  if (!report.wants(event_type::end)) return;
  event end{event_type::end, {}, {}};
  if (!peer.empty()) {
    end.fields.push_back({"peer", std::string(peer)});
    add_closing_fields(end, watch, "client");
  }
  end.fields.push_back({"exit_status", status});
  report.emit(end);
}

}  // namespace tcpkit
