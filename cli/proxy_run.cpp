// tcpkit proxy, once parsed: the server accept loop (tcpkit/server.hpp) with the proxy's
// session handler (tcpkit/proxy.hpp).
#include "actions.hpp"
#include "run_guard.hpp"
#include "server_command.hpp"

#include "tcpkit/proxy.hpp"

#include <asio/io_context.hpp>

#include <random>

namespace tcpkit::cli {
namespace {

proxy_options to_proxy_options(const common_options& options, const proxy_settings& settings, std::uint32_t seed) {
  proxy_options proxy;
  proxy.upstream_host = settings.upstream_host;
  proxy.upstream_port = settings.upstream_port;
  proxy.connect = options.connect();
  if (settings.shape_up) proxy.up = settings.shape;
  if (settings.shape_down) proxy.down = settings.shape;
  proxy.seed = seed;
  return proxy;
}

}  // namespace

int proxy_main(const common_options& options, const proxy_settings& settings) {
  output out(options);
  const std::uint32_t seed = settings.seed ? *settings.seed : std::random_device{}();
  const proxy_options proxy = to_proxy_options(options, settings, seed);
  asio::io_context io;
  server srv = open_server(io, options, out.report(), options.server(), nullptr);
  announce_listening(out.report(), srv, "proxy",
                     {{"upstream", format_host_port(proxy.upstream_host, proxy.upstream_port)},
                      {"up_shaping", describe(proxy.up)},
                      {"down_shaping", describe(proxy.down)},
                      {"seed", std::uint64_t{seed}}});
  out.report().emit({event_type::note, "Forwarding to {upstream}; up (client to server): {up}; down (server to client): {down}; seed {seed}",
                     {{"upstream", format_host_port(proxy.upstream_host, proxy.upstream_port)},
                      {"up", describe(proxy.up)},
                      {"down", describe(proxy.down)},
                      {"seed", std::uint64_t{seed}}}});
  auto main = [&]() -> asio::awaitable<int> {
    co_await srv.run(proxy_handler(proxy));
    co_return 0;
  };
  const run_result result = run_with_signals(io, main(), [&] { srv.stop(); });
  return end_server(out.report(), srv, result, options.once);
}

}  // namespace tcpkit::cli
