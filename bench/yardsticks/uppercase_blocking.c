/*
 * uppercase_blocking: the smallest fast uppercase server, a yardstick for tcpkit's.
 *
 *   uppercase_blocking HOST PORT      (PORT 0: the kernel picks one; printed as "Listening at ADDR:PORT")
 *
 * One thread per connection, blocking sockets, a 256 KiB buffer: read what has arrived,
 * uppercase a-z in place with a branch-free byte loop, write it all back, until EOF, close.
 * No timeouts and no logging. IPv4 only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { kBuffer = 256 * 1024 };

/* 'a'..'z' -> 'A'..'Z', other bytes unchanged, without a branch. */
static void uppercase(unsigned char *restrict p, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = (unsigned char)(p[i] - (((unsigned char)(p[i] - 'a') < 26u) << 5));
}

static int write_all(int fd, const unsigned char *p, size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void *serve(void *arg) {
  const int fd = (int)(intptr_t)arg;
  unsigned char *buffer = malloc(kBuffer);
  for (ssize_t n; buffer != NULL;) {
    n = read(fd, buffer, kBuffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    uppercase(buffer, (size_t)n);
    if (write_all(fd, buffer, (size_t)n) != 0) break;
  }
  free(buffer);
  close(fd);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: uppercase_blocking HOST PORT\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
    fprintf(stderr, "uppercase_blocking: %s: not an IPv4 address\n", argv[1]);
    return 2;
  }
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  if (listener < 0 || setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, SOMAXCONN) != 0) {
    fprintf(stderr, "uppercase_blocking: listen %s:%s: %s\n", argv[1], argv[2], strerror(errno));
    return 3;
  }
  socklen_t len = sizeof addr;
  getsockname(listener, (struct sockaddr *)&addr, &len);
  printf("Listening at %s:%d\n", argv[1], ntohs(addr.sin_port));
  fflush(stdout);

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  for (;;) {
    const int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) usleep(100 * 1000); /* wait for descriptors */
      continue;
    }
    pthread_t thread;
    if (pthread_create(&thread, &attr, serve, (void *)(intptr_t)fd) != 0) close(fd);
  }
}
