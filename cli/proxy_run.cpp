// tcpkit proxy, once parsed: the server accept loop (tcpkit/lifecycle/server.hpp) with the proxy's
// session handler (tcpkit/programs/proxy.hpp).
#include "actions.hpp"
#include "server_command.hpp"

#include "tcpkit/programs/proxy.hpp"

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
  const std::uint32_t seed = settings.seed ? *settings.seed : std::random_device{}();
  const proxy_options proxy = to_proxy_options(options, settings, seed);
  auto forwarding = [&](reporter& report) {
    report.emit({event_type::note, "Forwarding to {upstream}; up (client to server): {up}; down (server to client): {down}; seed {seed}",
                 {{"upstream", format_host_port(proxy.upstream_host, proxy.upstream_port)},
                  {"up", describe(proxy.up)},
                  {"down", describe(proxy.down)},
                  {"seed", std::uint64_t{seed}}}});
  };
  return server_runner(options).run({.name = "proxy",
                                     .serving = options.server(),
                                     .announced = {{"upstream", format_host_port(proxy.upstream_host, proxy.upstream_port)},
                                                   {"up_shaping", describe(proxy.up)},
                                                   {"down_shaping", describe(proxy.down)},
                                                   {"seed", std::uint64_t{seed}}},
                                     .handler = [&](server&) { return proxy_handler(proxy); },
                                     .after_announce = forwarding});
}

}  // namespace tcpkit::cli
