#include "tcpkit/wire/device.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <optional>

namespace tcpkit::wire {

namespace {

std::optional<asio::ip::address> address_of(const sockaddr* sa) {
  if (sa == nullptr) return std::nullopt;
  if (sa->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(sa);
    return asio::ip::address_v4(ntohl(v4->sin_addr.s_addr));
  }
  if (sa->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(sa);
    asio::ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), &v6->sin6_addr, bytes.size());
    return asio::ip::address_v6(bytes, v6->sin6_scope_id);
  }
  return std::nullopt;
}

// The name of the interface that holds `address`, if one does.
std::optional<std::string> owner_of(const asio::ip::address& address) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return std::nullopt;
  std::optional<std::string> name;
  for (const ifaddrs* entry = list; entry != nullptr && !name; entry = entry->ifa_next) {
    const auto found = address_of(entry->ifa_addr);
    if (found && found->to_string() == address.to_string()) name = entry->ifa_name;
  }
  ::freeifaddrs(list);
  return name;
}

// The source address the kernel would choose for `remote`: a UDP socket's connect() sends
// nothing, it only consults the routing table.
std::optional<asio::ip::address> route_source(const asio::ip::address& remote) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (remote.is_v4()) {
    auto* sa = reinterpret_cast<sockaddr_in*>(&storage);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(9);
    sa->sin_addr.s_addr = htonl(remote.to_v4().to_uint());
    length = sizeof(sockaddr_in);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&storage);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(9);
    std::memcpy(&sa->sin6_addr, remote.to_v6().to_bytes().data(), 16);
    sa->sin6_scope_id = remote.to_v6().scope_id();
    length = sizeof(sockaddr_in6);
  }
  const int fd = ::socket(storage.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  std::optional<asio::ip::address> source;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&storage), length) == 0) {
    sockaddr_storage local{};
    socklen_t local_length = sizeof(local);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_length) == 0) {
      source = address_of(reinterpret_cast<sockaddr*>(&local));
    }
  }
  ::close(fd);
  return source;
}

}  // namespace

asio::ip::address unmapped(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address;
}

std::string device_toward(const asio::ip::address& remote) {
  const asio::ip::address target = unmapped(remote);
  if (target.is_loopback() || owner_of(target)) return "lo";  // to this host itself
  const auto source = route_source(target);
  if (!source) return kAnyDevice;
  return owner_of(*source).value_or(kAnyDevice);
}

std::string device_of(const asio::ip::address& local) {
  // A server at one of this host's other addresses is reached over lo by local clients and
  // over its interface by the others: only "any" sees both.
  return unmapped(local).is_loopback() ? "lo" : kAnyDevice;
}

}  // namespace tcpkit::wire
