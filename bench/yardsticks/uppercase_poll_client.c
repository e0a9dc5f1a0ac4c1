/*
 * uppercase_poll_client: the smallest fast uppercase client, the other half of the C
 * yardstick pair (MEASUREMENTS.md's "small poll-based client").
 *
 *   uppercase_poll_client HOST PORT BYTES
 *
 * One non-blocking socket and poll(): send BYTES of "capitalize this!" repeated in 256 KiB
 * writes while receiving into a 256 KiB buffer and checking every byte is the uppercase of the
 * byte sent at that offset; half-close after the last byte; done at the server's EOF.
 * Prints one JSON line: {"bytes_verified":N,"seconds":S,"mb_per_s":R}. Exit 0 only if all
 * BYTES came back right. IPv4 only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { kChunk = 256 * 1024, kUnit = 16 };
static const char kMessage[kUnit] = "capitalize this!"; /* exactly 16 bytes, no NUL */

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned char upper(unsigned char c) { return (unsigned char)(c - (((unsigned char)(c - 'a') < 26u) << 5)); }

/* Offset of the first byte of got[] that is not the uppercase of sent[], or n. */
static size_t mismatch(const unsigned char *restrict sent, const unsigned char *restrict got, size_t n) {
  unsigned char diff = 0;
  for (size_t i = 0; i < n; ++i) diff |= (unsigned char)(got[i] ^ upper(sent[i]));
  if (diff == 0) return n;
  for (size_t i = 0; i < n; ++i)
    if (got[i] != upper(sent[i])) return i;
  return n;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: uppercase_poll_client HOST PORT BYTES\n");
    return 2;
  }
  const uint64_t total = (strtoull(argv[3], NULL, 10) + kUnit - 1) / kUnit * kUnit;
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) return 2;

  /* The payload window: any kChunk bytes from any offset are contiguous at window + offset % 16. */
  unsigned char *window = malloc(kChunk + kUnit);
  unsigned char *buffer = malloc(kChunk);
  if (window == NULL || buffer == NULL) return 1;
  for (size_t i = 0; i < kChunk + kUnit; ++i) window[i] = (unsigned char)kMessage[i % kUnit];

  const double start = now_seconds();
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    fprintf(stderr, "uppercase_poll_client: connect %s:%s: %s\n", argv[1], argv[2], strerror(errno));
    return 3;
  }
  fcntl(fd, F_SETFL, O_NONBLOCK);

  uint64_t sent = 0, received = 0;
  int eof = 0;
  while (!eof) {
    struct pollfd p = {.fd = fd, .events = (short)(POLLIN | (sent < total ? POLLOUT : 0))};
    if (poll(&p, 1, 10000) <= 0) {
      fprintf(stderr, "uppercase_poll_client: no progress for 10 s\n");
      return 4;
    }
    if (sent < total && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
      const uint64_t left = total - sent;
      const ssize_t n = send(fd, window + sent % kUnit, left < kChunk ? (size_t)left : kChunk, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        perror("uppercase_poll_client: send");
        break;
      }
      if (n > 0) sent += (uint64_t)n;
      if (sent == total) shutdown(fd, SHUT_WR);
    }
    if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
      const ssize_t n = recv(fd, buffer, kChunk, 0);
      if (n == 0) eof = 1;
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        perror("uppercase_poll_client: recv");
        break;
      }
      if (n > 0) {
        if (received + (uint64_t)n > total) {
          fprintf(stderr, "uppercase_poll_client: more bytes came back than were sent\n");
          break;
        }
        const size_t bad = mismatch(window + received % kUnit, buffer, (size_t)n);
        if (bad != (size_t)n) {
          fprintf(stderr, "uppercase_poll_client: byte %llu is wrong\n", (unsigned long long)(received + bad));
          return 6;
        }
        received += (uint64_t)n;
      }
    }
  }
  const double seconds = now_seconds() - start;
  close(fd);
  printf("{\"bytes_verified\":%llu,\"seconds\":%.6f,\"mb_per_s\":%.3f}\n", (unsigned long long)received, seconds,
         (double)received / seconds / 1e6);
  return received == total ? 0 : 6;
}
