#include "tcpkit/core/report.hpp"

#include "core/json_object.hpp"
#include "tcpkit/core/escape.hpp"

#include <fmt/args.h>
#include <fmt/format.h>

#include <unistd.h>

namespace tcpkit {

std::string_view to_string(event_type type) noexcept {
  switch (type) {
    case event_type::start: return "start";
    case event_type::connection: return "connection";
    case event_type::progress: return "progress";
    case event_type::end: return "end";
    case event_type::error: return "error";
    case event_type::session: return "session";
    case event_type::note: return "note";
    case event_type::packet: return "packet";
  }
  return "unknown";
}

std::string render_text(const event& e) {
  fmt::dynamic_format_arg_store<fmt::format_context> args;
  for (const auto& f : e.fields) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, payload>) {
            args.push_back(fmt::arg(f.key.data(), quote_bytes(v.bytes)));
          } else {
            args.push_back(fmt::arg(f.key.data(), v));
          }
        },
        f.value);
  }
  return fmt::vformat(e.text, args);
}

std::string json_quote(std::string_view bytes) { return json_payload(bytes); }

std::string render_json(const event& e) {
  json_object json;
  json.text("event", to_string(e.type)).number("schema_version", std::int64_t{json_reporter::kSchemaVersion});
  for (const auto& f : e.fields) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, payload>) {
            json.payload(f.key, v.bytes);
          } else if constexpr (std::is_same_v<T, std::string>) {
            json.text(f.key, v);
          } else if constexpr (std::is_same_v<T, bool>) {
            json.boolean(f.key, v);
          } else {
            json.number(f.key, v);
          }
        },
        f.value);
  }
  return json.str();
}

void file_stream::write(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), file_);
  std::fflush(file_);
}

bool file_stream::is_terminal() const { return ::isatty(::fileno(file_)) == 1; }

text_reporter::text_reporter(text_stream& out, text_stream& err, bool quiet)
    : out_(&out), err_(&err), quiet_(quiet), out_is_tty_(out.is_terminal()) {}

text_reporter::text_reporter(std::FILE* out, std::FILE* err, bool quiet)
    : own_out_(std::make_unique<file_stream>(out)),
      own_err_(std::make_unique<file_stream>(err)),
      out_(own_out_.get()),
      err_(own_err_.get()),
      quiet_(quiet),
      out_is_tty_(out_->is_terminal()) {}

void text_reporter::emit(const event& e) {
  if (e.text.empty()) return;
  const bool is_error = e.type == event_type::error;
  if (quiet_ && !is_error) return;
  if (e.transient && !out_is_tty_) return;
  const std::string line = render_text(e);
  std::lock_guard lock(mutex_);
  text_stream* stream = is_error ? err_ : out_;
  if (transient_pending_ && !e.transient && stream != out_) {
    out_->write("\n");  // the status line stays as it was; the other stream writes below it
    transient_pending_ = false;
  }
  // A transient line is a status line at the bottom of the screen: the next one redraws it,
  // and a lasting line on the same stream takes its place ("\r", text, erase to end of line),
  // so that "\r  1000 bytes sent" followed by the final "  1024 bytes sent" shows one line.
  if (e.transient) {
    stream->write(fmt::format("\r{}\x1b[K", line));
    transient_pending_ = true;
  } else if (transient_pending_) {
    stream->write(fmt::format("\r{}\x1b[K\n", line));
    transient_pending_ = false;
  } else {
    stream->write(line + '\n');
  }
}

json_reporter::json_reporter(text_stream& out) : out_(&out) {}

json_reporter::json_reporter(std::FILE* out) : own_out_(std::make_unique<file_stream>(out)), out_(own_out_.get()) {}

void json_reporter::emit(const event& e) {
  if (e.type == event_type::note) return;
  const std::string line = render_json(e) + '\n';
  std::lock_guard lock(mutex_);
  out_->write(line);
}

}  // namespace tcpkit
