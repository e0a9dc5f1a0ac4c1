#include "tcpkit/core/connect.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/io.hpp"

#include <asio/co_spawn.hpp>
#include <asio/ip/address.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_future.hpp>
#include <fmt/format.h>

#include <optional>
#include <vector>

namespace tcpkit {
namespace {

// How often async_connect_unless_stopped looks at its stop token.
constexpr auto kStopCheck = std::chrono::milliseconds(100);

std::string timeout_reason(clock::duration limit) {
  return fmt::format("timed out after {:g} s", std::chrono::duration<double>(limit).count());
}

tcp protocol_for(address_family family) { return family == address_family::v6 ? tcp::v6() : tcp::v4(); }

// Numeric addresses skip the resolver: no thread, no timeout to think about.
std::optional<std::vector<tcp::endpoint>> numeric_endpoints(std::string_view host, std::uint16_t port,
                                                            address_family family) {
  const auto parsed = parse_numeric_address(host);
  if (!parsed) return std::nullopt;
  const asio::ip::address& address = *parsed;
  if ((family == address_family::v4 && !address.is_v4()) || (family == address_family::v6 && !address.is_v6())) {
    throw error(make_error_code(std::errc::address_family_not_supported), "connect", format_endpoint({address, port}),
                family == address_family::v4 ? "not an IPv4 address (-4 was given)" : "not an IPv6 address (-6 was given)");
  }
  return std::vector<tcp::endpoint>{{address, port}};
}

asio::awaitable<std::vector<tcp::endpoint>> resolve(std::string_view host, std::uint16_t port,
                                                    const connect_options& options, clock::time_point deadline) {
  if (auto numeric = numeric_endpoints(host, port, options.family)) co_return std::move(*numeric);

  tcp::resolver resolver(co_await asio::this_coro::executor);
  tcp::resolver::results_type results;
  std::error_code ec;
  auto lookup = [&]() -> asio::awaitable<void> {
    const std::string name(strip_brackets(host));
    const std::string service = std::to_string(port);
    if (options.family == address_family::any) {
      results = co_await resolver.async_resolve(name, service, tcp::resolver::numeric_service,
                                                asio::redirect_error(asio::use_awaitable, ec));
    } else {
      results = co_await resolver.async_resolve(protocol_for(options.family), name, service,
                                                tcp::resolver::numeric_service,
                                                asio::redirect_error(asio::use_awaitable, ec));
    }
  };
  if (!co_await complete_within(lookup(), deadline - clock::now())) {
    throw error(errc::timed_out, "resolve", format_host_port(host, port), timeout_reason(options.timeout));
  }
  if (ec) throw error(ec, "resolve", format_host_port(host, port));
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  if (endpoints.empty()) throw error(asio::error::host_not_found, "resolve", format_host_port(host, port));
  co_return endpoints;
}

// Binds `socket` to a port the kernel chooses and tells options.before_connect about it.
void bind_before_connect(tcp::socket& socket, const tcp::endpoint& remote, const connect_options& options) {
  const tcp::endpoint any_port(remote.protocol(), 0);
  std::error_code failed;
  socket.bind(any_port, failed);
  const tcp::endpoint local = failed ? any_port : socket.local_endpoint(failed);
  if (failed) throw error(failed, "bind", format_endpoint(any_port));
  options.before_connect(local.port(), remote);
}

// Completes once `stop` is requested.
asio::awaitable<void> wait_for_stop(std::stop_token stop) {
  while (!stop.stop_requested()) co_await sleep_for(kStopCheck);
}

}  // namespace

asio::awaitable<tcp::socket> async_connect_to(std::string host, std::uint16_t port, connect_options options) {
  const auto deadline = clock::now() + options.timeout;
  const auto endpoints = co_await resolve(host, port, options, deadline);

  tcp::socket socket(co_await asio::this_coro::executor);
  std::error_code last_error;
  tcp::endpoint last_endpoint;
  for (const auto& endpoint : endpoints) {
    last_endpoint = endpoint;
    socket.close(last_error);
    socket.open(endpoint.protocol(), last_error);
    if (last_error) continue;
    if (options.before_connect) bind_before_connect(socket, endpoint, options);
    auto attempt = [&]() -> asio::awaitable<void> {
      co_await socket.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, last_error));
    };
    const auto left = deadline - clock::now();
    if (left <= clock::duration::zero() || !co_await complete_within(attempt(), left)) {
      socket.close(last_error);
      throw error(errc::timed_out, "connect", endpoints.size() == 1 ? format_endpoint(endpoint) : format_host_port(host, port),
                  timeout_reason(options.timeout));
    }
    if (!last_error) {
      if (options.no_delay) set_no_delay(socket);
      co_return socket;
    }
  }
  throw error(last_error, "connect", format_endpoint(last_endpoint));
}

asio::awaitable<std::vector<tcp::endpoint>> async_resolve_endpoints(std::string host, std::uint16_t port,
                                                                    connect_options options) {
  co_return co_await resolve(host, port, options, clock::now() + options.timeout);
}

asio::awaitable<std::optional<tcp::socket>> async_connect_unless_stopped(client_target target, std::stop_token stop) {
  if (!stop.stop_possible()) co_return co_await async_connect_to(std::move(target.host), target.port, target.connect);
  // run_until races awaitable<void>s only: the connect stores its socket here.
  std::optional<tcp::socket> socket;
  auto connect = [&]() -> asio::awaitable<void> {
    socket.emplace(co_await async_connect_to(std::move(target.host), target.port, std::move(target.connect)));
  };
  co_await run_until(connect(), wait_for_stop(std::move(stop)));
  co_return socket;
}

tcp::socket connect_to(asio::io_context& io, std::string_view host, std::uint16_t port, connect_options options) {
  // co_spawn's result must be default-constructible and a socket is not, so the coroutine
  // hands the socket over through an optional.
  std::optional<tcp::socket> connected;
  auto task = [&]() -> asio::awaitable<void> { connected.emplace(co_await async_connect_to(std::string(host), port, options)); };
  auto done = asio::co_spawn(io, task(), asio::use_future);
  io.restart();
  io.run();
  done.get();  // rethrows the coroutine's exception
  return std::move(*connected);
}

}  // namespace tcpkit
