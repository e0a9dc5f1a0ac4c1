/*
 * sixteen_load_epoll: the smallest fast sixteen-octet load client, a yardstick for
 * `tcpkit bench sixteen`.
 *
 *   sixteen_load_epoll HOST PORT CONNECTIONS TOTAL
 *
 * One thread, one epoll set, CONNECTIONS non-blocking connections at a time until TOTAL
 * exchanges have been made. Each exchange does what tcpkit's load generator does: connect,
 * send "Hi there, server" in one write, read exactly 16 bytes and compare them with
 * "Farewell, client", read on to the server's EOF (more bytes are a failure), close. No
 * latency histogram, no timeouts: what the protocol costs a client and nothing else.
 * Prints one line of JSON: {"exchanges":N,"failed":F,"seconds":S,"exchanges_per_s":R}.
 * IPv4 only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { kMessage = 16, kEvents = 256 };
static const char kRequest[kMessage] = "Hi there, server"; /* exactly 16 bytes, no NUL */
static const char kReply[kMessage] = "Farewell, client";

/* One connection's progress: connecting (EPOLLOUT), then reading the reply and on to EOF. */
struct slot {
  int fd;
  unsigned char received;
  char reply[kMessage];
};

static struct sockaddr_in server;
static long started, finished, failed;
static long total;

/* Opens the next connection into `s`, or marks it idle (fd -1) when TOTAL have been started. */
static void open_next(int epoll_fd, struct slot *s) {
  s->fd = -1;
  while (started < total) {
    ++started;
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && (connect(fd, (struct sockaddr *)&server, sizeof server) == 0 || errno == EINPROGRESS)) {
      struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = s};
      if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0) {
        s->fd = fd;
        s->received = 0;
        return;
      }
    }
    if (fd >= 0) close(fd);
    ++failed;
    ++finished;
  }
}

static void finish(int epoll_fd, struct slot *s, int ok) {
  close(s->fd);
  if (!ok) ++failed;
  ++finished;
  open_next(epoll_fd, s);
}

/* Connected: sends the request in one write, then waits for the reply. */
static void on_writable(int epoll_fd, struct slot *s) {
  int error = 0;
  socklen_t len = sizeof error;
  getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &error, &len);
  if (error != 0 || write(s->fd, kRequest, kMessage) != kMessage) {
    finish(epoll_fd, s, 0);
    return;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};
  epoll_ctl(epoll_fd, EPOLL_CTL_MOD, s->fd, &ev);
}

/* Reads the 16-byte reply, then on to EOF; anything else ends the exchange as a failure. */
static void on_readable(int epoll_fd, struct slot *s) {
  for (;;) {
    char extra[64];
    const int want_reply = s->received < kMessage;
    const ssize_t n = want_reply ? read(s->fd, s->reply + s->received, kMessage - s->received)
                                 : read(s->fd, extra, sizeof extra);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n == 0 && !want_reply) {
      finish(epoll_fd, s, memcmp(s->reply, kReply, kMessage) == 0);
      return;
    }
    if (n <= 0 || !want_reply) { /* an error, EOF before 16 bytes, or more than 16 bytes */
      finish(epoll_fd, s, 0);
      return;
    }
    s->received = (unsigned char)(s->received + n);
  }
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: sixteen_load_epoll HOST PORT CONNECTIONS TOTAL\n");
    return 2;
  }
  server.sin_family = AF_INET;
  server.sin_port = htons((unsigned short)atoi(argv[2]));
  const long connections = atol(argv[3]);
  total = atol(argv[4]);
  if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1 || connections < 1 || total < 1) {
    fprintf(stderr, "sixteen_load_epoll: bad arguments\n");
    return 2;
  }
  struct slot *slots = calloc((size_t)connections, sizeof *slots);
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (slots == NULL || epoll_fd < 0) return 1;

  const double begin = now_s();
  for (long i = 0; i < connections; ++i) open_next(epoll_fd, &slots[i]);
  struct epoll_event events[kEvents];
  while (finished < total) {
    const int ready = epoll_wait(epoll_fd, events, kEvents, -1);
    for (int i = 0; i < ready; ++i) {
      struct slot *s = events[i].data.ptr;
      if (s->fd < 0) continue;
      if (events[i].events & EPOLLOUT) {
        on_writable(epoll_fd, s);
      } else {
        on_readable(epoll_fd, s);
      }
    }
  }
  const double seconds = now_s() - begin;
  printf("{\"exchanges\":%ld,\"failed\":%ld,\"seconds\":%.6f,\"exchanges_per_s\":%.1f}\n", finished, failed, seconds,
         (double)(finished - failed) / seconds);
  return failed == 0 ? 0 : 1;
}
