// Reporting: the library describes what happens as events; a reporter chosen by the caller
// turns them into the seeds' human text, into NDJSON (SPEC §5), or into nothing. The library
// itself never writes to stdout or stderr.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tcpkit {

// The JSON "event" values. `session` is one connection's summary at its end (session_summary.hpp).
// `note` is a line for people only (e.g. "Waiting to accept a new connection") and has no JSON form.
// `packet` is one captured TCP segment (--packets, tcpkit/wire/ladder.hpp).
enum class event_type { start, connection, progress, end, error, session, note, packet };

std::string_view to_string(event_type type) noexcept;

// Bytes from the wire, shown escaped and quoted in text, and in JSON as a string of \u00XX
// escapes (json_quote), never as UTF-8 text: the bytes need not be text at all.
struct payload {
  std::string bytes;
};

struct field {
  using value_type = std::variant<std::string, std::int64_t, std::uint64_t, double, bool, payload>;
  std::string_view key;  // snake_case with the unit in the name: bytes_sent, seconds, mb_per_s
  value_type value;
};

struct event {
  event_type type;
  // Human text as an fmt template over the fields' keys: "Listening at {local}". Empty: the
  // event has no human form. May hold several lines.
  std::string_view text;
  std::vector<field> fields;
  // A progress line people see updated in place ("\r  N bytes sent"), only on a terminal.
  bool transient = false;
};

class reporter {
 public:
  virtual ~reporter() = default;
  // Thread-safe: sessions on several threads may report at once; each event is written whole.
  virtual void emit(const event& e) = 0;
  // Whether emit() would show an event of this type at all. Hot paths ask before they build an
  // event (its strings and fields cost more than a small exchange); the answer must not change
  // while the reporter is in use.
  virtual bool wants(event_type) const noexcept { return true; }
};

// Discards everything.
class null_reporter final : public reporter {
 public:
  void emit(const event&) override {}
  bool wants(event_type) const noexcept override { return false; }
};

// Where a reporter's text goes. write() takes one event's text whole; callers serialize.
class text_stream {
 public:
  virtual ~text_stream() = default;
  virtual void write(std::string_view text) = 0;
  virtual bool is_terminal() const = 0;
};

// A stdio stream, flushed after every write so pipes see lines as they happen. Blocks while
// the reader does: for a log that must never block, see tcpkit/core/log_writer.hpp.
class file_stream final : public text_stream {
 public:
  explicit file_stream(std::FILE* file) : file_(file) {}
  void write(std::string_view text) override;
  bool is_terminal() const override;

 private:
  std::FILE* file_;
};

// The seeds' text. Errors go to `err`, everything else to `out` (unless quiet), one write per
// event. Transient lines are drawn with "\r" when `out` is a terminal and skipped otherwise;
// on a terminal, the next line written to `out` replaces the transient one (a status line that
// log lines are printed over). The streams must outlive the reporter.
class text_reporter final : public reporter {
 public:
  text_reporter(text_stream& out, text_stream& err, bool quiet);
  text_reporter(std::FILE* out, std::FILE* err, bool quiet);
  void emit(const event& e) override;
  bool wants(event_type type) const noexcept override { return !quiet_ || type == event_type::error; }

 private:
  std::unique_ptr<text_stream> own_out_, own_err_;  // the FILE* form's streams
  text_stream* out_;
  text_stream* err_;
  bool quiet_;
  bool out_is_tty_;
  bool transient_pending_ = false;  // a "\r" line is on screen and needs a newline first
  std::mutex mutex_;
};

// NDJSON: one object per event and line, with "event" and "schema_version" first.
class json_reporter final : public reporter {
 public:
  static constexpr int kSchemaVersion = 1;
  explicit json_reporter(text_stream& out);
  explicit json_reporter(std::FILE* out);
  void emit(const event& e) override;
  bool wants(event_type type) const noexcept override { return type != event_type::note; }  // notes have no JSON form

 private:
  std::unique_ptr<text_stream> own_out_;  // the FILE* form's stream
  text_stream* out_;
  std::mutex mutex_;
};

// Sends every event to two reporters (JSON on stdout, text on stderr).
class tee_reporter final : public reporter {
 public:
  tee_reporter(reporter& first, reporter& second) : first_(first), second_(second) {}
  void emit(const event& e) override {
    first_.emit(e);
    second_.emit(e);
  }
  bool wants(event_type type) const noexcept override { return first_.wants(type) || second_.wants(type); }

 private:
  reporter& first_;
  reporter& second_;
};

// The human text of an event: its template with the fields filled in.
std::string render_text(const event& e);

// One JSON object, without the trailing newline: `std::string` fields as UTF-8 text (an
// invalid sequence becomes U+FFFD), `payload` fields as json_quote() writes them.
std::string render_json(const event& e);

// A payload's JSON string literal (with quotes), as render_json writes it: bytes outside
// printable ASCII become \u00XX escapes (\n \r \t aside), so any bytes yield valid JSON.
// Text fields are not written this way: render_json writes them as UTF-8 (docs/JSON.md).
std::string json_quote(std::string_view bytes);

}  // namespace tcpkit
