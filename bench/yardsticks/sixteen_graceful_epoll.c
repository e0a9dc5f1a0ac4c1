/*
 * sixteen_graceful_epoll: a sixteen-octet server that closes the way tcpkit's does, a yardstick
 * for its CPU per exchange.
 *
 *   sixteen_graceful_epoll HOST PORT   (PORT 0: the kernel picks one; printed as "Listening at ADDR:PORT")
 *
 * One thread, one epoll set, non-blocking sockets. For each connection: read until 16 bytes have
 * arrived, reply "Farewell, client" in one write, shutdown(SHUT_WR) so the reply is followed by a
 * FIN, read and discard until the client's EOF, then close. That is the graceful close SPEC §3.1
 * asks for (unread input never turns the close into a reset), and so the same work tcpkit's
 * server does; sixteen_epoll closes at once, which is less work. No timeouts, no logging.
 * IPv4 only. Stops on SIGINT/SIGTERM.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum { kMessage = 16, kEvents = 256, kDrain = 512 };
static const char kReply[kMessage] = "Farewell, client"; /* exactly 16 bytes, no NUL */

/* Per descriptor: bytes of the request received so far; kMessage once the reply is sent and
 * the connection is draining to the client's EOF. */
static unsigned char *received;
static char (*messages)[kMessage];

static int open_listener(const char *host, int port) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    fprintf(stderr, "sixteen_graceful_epoll: %s: not an IPv4 address\n", host);
    exit(2);
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, SOMAXCONN) != 0) {
    fprintf(stderr, "sixteen_graceful_epoll: listen %s:%d: %s\n", host, port, strerror(errno));
    exit(3);
  }
  socklen_t len = sizeof addr;
  getsockname(fd, (struct sockaddr *)&addr, &len);
  printf("Listening at %s:%d\n", host, ntohs(addr.sin_port));
  fflush(stdout);
  return fd;
}

static void accept_all(int epoll_fd, int listener, int max_fds) {
  for (;;) {
    const int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return; /* EAGAIN: no more for now; EMFILE: the next wakeup retries */
    if (fd >= max_fds) {
      close(fd);
      continue;
    }
    received[fd] = 0;
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) close(fd);
  }
}

/* After the reply: discards what the client still sends; closes at its EOF or an error. */
static void drain(int fd) {
  char sink[kDrain];
  for (;;) {
    const ssize_t n = read(fd, sink, sizeof sink);
    if (n > 0) continue;
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    close(fd); /* EOF (or an error): the exchange is over; closing removes fd from the set */
    return;
  }
}

/* Reads what has arrived; at 16 bytes replies, half-closes and starts draining. */
static void serve(int fd) {
  if (received[fd] == kMessage) {
    drain(fd);
    return;
  }
  const ssize_t n = read(fd, messages[fd] + received[fd], kMessage - received[fd]);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) { /* EOF before 16 bytes, or an error */
    close(fd);
    return;
  }
  received[fd] = (unsigned char)(received[fd] + n);
  if (received[fd] < kMessage) return;
  /* A fresh socket's send buffer takes 16 bytes at once; a short write means a broken peer. */
  (void)!write(fd, kReply, kMessage);
  shutdown(fd, SHUT_WR);
  drain(fd); /* the client's FIN may already be here */
}

static volatile sig_atomic_t stopping;
static void on_signal(int sig) { (void)sig; stopping = 1; }

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: sixteen_graceful_epoll HOST PORT\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  struct rlimit limit;
  getrlimit(RLIMIT_NOFILE, &limit);
  const int max_fds = limit.rlim_cur > 1048576 ? 1048576 : (int)limit.rlim_cur;
  received = calloc((size_t)max_fds, 1);
  messages = calloc((size_t)max_fds, kMessage);
  if (received == NULL || messages == NULL) return 1;

  const int listener = open_listener(argv[1], atoi(argv[2]));
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listener, &ev);

  struct epoll_event events[kEvents];
  while (!stopping) {
    const int ready = epoll_wait(epoll_fd, events, kEvents, -1);
    for (int i = 0; i < ready; ++i) {
      if (events[i].data.fd == listener) {
        accept_all(epoll_fd, listener, max_fds);
      } else {
        serve(events[i].data.fd);
      }
    }
  }
  return 0;
}
