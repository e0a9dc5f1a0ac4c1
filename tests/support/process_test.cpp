// Tests of the child-process harness itself, using only /bin/sh and coreutils.
#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <system_error>

using namespace std::chrono_literals;
using tcpkit::test::port_from_text;
using tcpkit::test::process;
using tcpkit::test::spawn_options;

namespace {

using steady = tcpkit::test::clock;

process sh(const std::string& script, spawn_options options = {}) {
  options.argv = {"/bin/sh", "-c", script};
  return process::spawn(options);
}

TEST(Process, ReadsLinesThenEof) {
  auto p = sh("echo one; echo; printf three");
  EXPECT_EQ(p.read_stdout_line(5s), "one");
  EXPECT_EQ(p.read_stdout_line(5s), "");
  EXPECT_EQ(p.read_stdout_line(5s), "three");  // unterminated last line
  EXPECT_EQ(p.read_stdout_line(5s), std::nullopt);
  EXPECT_FALSE(p.timed_out());
  EXPECT_EQ(p.wait(5s), 0);
  EXPECT_EQ(p.exit_code(), 0);
  EXPECT_EQ(p.stdout_text(), "one\n\nthree");
}

TEST(Process, LargeStderrDoesNotBlockStdout) {
  auto p = sh("head -c 1048576 /dev/zero >&2; echo ready");
  EXPECT_EQ(p.read_stdout_line(10s), "ready");
  EXPECT_EQ(p.wait(10s), 0);
  EXPECT_EQ(p.stderr_text().size(), 1048576u);
}

TEST(Process, InterleavedStreamsKeepTheirOrder) {
  auto p = sh("i=0; while [ $i -lt 500 ]; do echo out$i; echo err$i >&2; i=$((i+1)); done");
  for (int i = 0; i < 500; ++i) ASSERT_EQ(p.read_stdout_line(10s), "out" + std::to_string(i));
  for (int i = 0; i < 500; ++i) ASSERT_EQ(p.read_stderr_line(10s), "err" + std::to_string(i));
  EXPECT_EQ(p.wait(10s), 0);
}

TEST(Process, MergeStderrSendsBothToStdout) {
  auto p = sh("echo a; echo b >&2", {.merge_stderr = true});
  EXPECT_EQ(p.wait(5s), 0);
  EXPECT_EQ(p.stdout_text(), "a\nb\n");
  EXPECT_EQ(p.read_stderr_line(5s), std::nullopt);
  EXPECT_FALSE(p.timed_out());
}

TEST(Process, ExitCodeAndSignalCode) {
  EXPECT_EQ(sh("exit 7").wait(5s), 7);
  EXPECT_EQ(sh("kill -TERM $$").wait(5s), 128 + SIGTERM);

  auto p = process::spawn({.argv = {"/bin/sleep", "30"}});
  p.signal(SIGINT);
  EXPECT_EQ(p.wait(5s), 128 + SIGINT);
  p.signal(SIGINT);  // reaped: must be a harmless no-op
}

TEST(Process, TimeoutsReturnPromptly) {
  const auto start = steady::now();
  {
    auto p = process::spawn({.argv = {"/bin/sleep", "5"}});
    EXPECT_EQ(p.read_stdout_line(200ms), std::nullopt);
    EXPECT_TRUE(p.timed_out());
    EXPECT_GE(steady::now() - start, 200ms);
    EXPECT_EQ(p.wait(200ms), std::nullopt);
    EXPECT_TRUE(p.timed_out());
    EXPECT_EQ(p.exit_code(), std::nullopt);
  }  // the destructor must not wait for sleep to finish
  EXPECT_LT(steady::now() - start, 2s);
}

TEST(Process, FloodingChildCannotExtendDeadline) {
  auto p = process::spawn({.argv = {"yes"}});
  const auto start = steady::now();
  EXPECT_EQ(p.wait_for_stdout("never", 200ms), std::nullopt);
  EXPECT_TRUE(p.timed_out());
  EXPECT_LT(steady::now() - start, 2s) << (steady::now() - start).count();
}

TEST(Process, SpawnFailuresThrow) {
  try {
    process::spawn({.argv = {"/nonexistent/tcpkit-binary"}});
    FAIL() << "expected std::system_error";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
  }
  EXPECT_THROW(process::spawn({.argv = {"tcpkit-no-such-program-in-path"}}), std::system_error);
  EXPECT_THROW(process::spawn({.argv = {"/bin/true"}, .working_dir = "/nonexistent"}), std::system_error);
  EXPECT_THROW(process::spawn({}), std::system_error);
}

TEST(Process, WorkingDirAndEnvironment) {
  ASSERT_EQ(::setenv("TCPKIT_PROCESS_TEST_VAR", "inherited", 1), 0);
  ASSERT_EQ(::setenv("TCPKIT_PROCESS_TEST_UNSET", "inherited", 1), 0);
  auto p =
      sh("pwd; env | grep -c '^TCPKIT_PROCESS_TEST_VAR='; echo $TCPKIT_PROCESS_TEST_VAR; "
         "echo ${TCPKIT_PROCESS_TEST_UNSET-gone}",
         {.extra_env = {"TCPKIT_PROCESS_TEST_VAR=42", "TCPKIT_PROCESS_TEST_UNSET"}, .working_dir = "/"});
  EXPECT_EQ(p.wait(5s), 0);
  EXPECT_EQ(p.stdout_text(), "/\n1\n42\ngone\n");
  ::unsetenv("TCPKIT_PROCESS_TEST_VAR");
  ::unsetenv("TCPKIT_PROCESS_TEST_UNSET");
}

TEST(Process, StdinIsDevNullByDefault) {
  auto p = process::spawn({.argv = {"cat"}});
  EXPECT_EQ(p.wait(5s), 0);
  EXPECT_EQ(p.stdout_text(), "");
}

TEST(Process, ZeroTimeoutReturnsBufferedLines) {
  auto p = sh("echo a; echo b");
  EXPECT_EQ(p.wait(5s), 0);
  EXPECT_EQ(p.read_stdout_line(0s), "a");
  EXPECT_EQ(p.read_stdout_line(0s), "b");
  EXPECT_EQ(p.read_stdout_line(0s), std::nullopt);
  EXPECT_FALSE(p.timed_out());

  auto quiet = process::spawn({.argv = {"/bin/sleep", "5"}});
  EXPECT_EQ(quiet.read_stdout_line(0s), std::nullopt);
  EXPECT_TRUE(quiet.timed_out());
}

TEST(Process, StdinDataRoundTrip) {
  auto p = process::spawn({.argv = {"cat"}, .stdin_data = "hello\nworld\n"});
  EXPECT_EQ(p.read_stdout_line(5s), "hello");
  EXPECT_EQ(p.read_stdout_line(5s), "world");
  EXPECT_EQ(p.wait(5s), 0);
}

TEST(Process, LargeStdinIsPumpedWhileReading) {
  std::string data;
  for (int i = 0; data.size() < 1048576; ++i) data += std::to_string(i) + '\n';
  auto p = process::spawn({.argv = {"cat"}, .stdin_data = data});
  EXPECT_EQ(p.wait(10s), 0);
  EXPECT_EQ(p.stdout_text(), data);
}

TEST(Process, InteractiveStdinPipe) {
  auto p = process::spawn({.argv = {"cat"}, .stdin_pipe = true});
  p.write_stdin("ping\n");
  EXPECT_EQ(p.read_stdout_line(5s), "ping");
  p.write_stdin("pong\n");
  EXPECT_EQ(p.read_stdout_line(5s), "pong");
  EXPECT_EQ(p.wait(200ms), std::nullopt);  // cat waits for more input
  p.close_stdin();
  EXPECT_EQ(p.wait(5s), 0);
}

TEST(Process, WritingToDeadChildIsHarmless) {
  auto p = sh("exit 3", {.stdin_pipe = true});
  EXPECT_EQ(p.wait(5s), 3);
  p.write_stdin(std::string(1 << 20, 'x'));  // EPIPE, not a fatal SIGPIPE
  p.close_stdin();
}

TEST(Process, ChildGetsDefaultSigpipe) {
  // With SIGPIPE inherited as ignored, `yes` would report EPIPE and exit 1.
  auto p = sh("yes | head -n 1");
  EXPECT_EQ(p.wait(5s), 0);
  EXPECT_EQ(p.stdout_text(), "y\n");
  EXPECT_EQ(p.stderr_text(), "");
}

TEST(Process, ChildDoesNotInheritStrayFds) {
  const int stray = ::open("/dev/null", O_RDONLY);  // deliberately not O_CLOEXEC
  ASSERT_GE(stray, 3);
  auto p = sh("ls /proc/$$/fd");
  EXPECT_EQ(p.wait(5s), 0);
  ::close(stray);
  EXPECT_EQ(p.stdout_text(), "0\n1\n2\n");
}

TEST(Process, DestructorKillsGrandchildren) {
  int pidfd = -1;
  {
    auto p = sh("sleep 30 & echo $!; wait");
    auto line = p.read_stdout_line(5s);
    ASSERT_TRUE(line);
    pidfd = static_cast<int>(::syscall(SYS_pidfd_open, std::stoi(*line), 0));
    ASSERT_GE(pidfd, 0);
  }
  pollfd pfd{pidfd, POLLIN, 0};
  EXPECT_EQ(::poll(&pfd, 1, 2000), 1) << "grandchild survived";
  ::close(pidfd);
}

TEST(Process, WaitForSkipsLinesButKeepsTranscript) {
  auto p = sh("echo a; echo 'Listening at 127.0.0.1:4321'; echo b; echo c >&2; echo ok >&2");
  auto line = p.wait_for_stdout("Listening at", 5s);
  ASSERT_TRUE(line);
  EXPECT_EQ(port_from_text(*line), 4321);
  EXPECT_EQ(p.read_stdout_line(5s), "b");
  EXPECT_EQ(p.wait_for_stderr_if([](std::string_view l) { return l == "ok"; }, 5s), "ok");
  EXPECT_EQ(p.wait_for_stdout_if([](std::string_view) { return true; }, 5s), std::nullopt);
  EXPECT_FALSE(p.timed_out());
  EXPECT_EQ(p.stdout_text(), "a\nListening at 127.0.0.1:4321\nb\n");
  EXPECT_EQ(p.stderr_text(), "c\nok\n");
}

TEST(Process, MoveKeepsOwnership) {
  auto a = sh("echo moved");
  const pid_t pid = a.pid();
  process b = std::move(a);
  EXPECT_EQ(b.pid(), pid);
  EXPECT_EQ(b.read_stdout_line(5s), "moved");
  b = sh("exit 5");
  EXPECT_EQ(b.wait(5s), 5);
}

TEST(PortFromText, ParsesEndpoints) {
  EXPECT_EQ(port_from_text("Listening at 127.0.0.1:4321"), 4321);
  EXPECT_EQ(port_from_text("Listening at [::1]:80"), 80);
  EXPECT_EQ(port_from_text("Listening at 0.0.0.0:0"), 0);
  EXPECT_EQ(port_from_text("server: Listening at [fe80::1%eth0]:65535."), 65535);
  EXPECT_EQ(port_from_text("Connected to localhost:22, ok"), 22);
  EXPECT_EQ(port_from_text("from 10.0.0.1:5 Listening at 10.0.0.2:6"), 6);
}

TEST(PortFromText, RejectsNonEndpoints) {
  EXPECT_EQ(port_from_text(""), std::nullopt);
  EXPECT_EQ(port_from_text("no port here"), std::nullopt);
  EXPECT_EQ(port_from_text("Listening at 1.2.3.4:70000"), std::nullopt);
  EXPECT_EQ(port_from_text("Listening at 1.2.3.4:"), std::nullopt);
  EXPECT_EQ(port_from_text("Listening at ::1"), std::nullopt);
  EXPECT_EQ(port_from_text("Listening at [::1]"), std::nullopt);
  EXPECT_EQ(port_from_text("Listening at :80"), std::nullopt);
  EXPECT_EQ(port_from_text("Listening at 1.2.3.4:-1"), std::nullopt);
}

TEST(Locations, FollowEnvironment) {
  ASSERT_EQ(::setenv("TCPKIT_BINARY", "/opt/tcpkit", 1), 0);
  EXPECT_EQ(tcpkit::test::tcpkit_binary(), "/opt/tcpkit");
  ASSERT_EQ(::setenv("TCPKIT_SEEDS_DIR", "/nonexistent", 1), 0);
  EXPECT_EQ(tcpkit::test::seeds_dir(), std::nullopt);
  ::unsetenv("TCPKIT_BINARY");
  ::unsetenv("TCPKIT_SEEDS_DIR");
}

}  // namespace
