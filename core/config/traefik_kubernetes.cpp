// type = "kubernetes" (detail/traefik_providers.hpp). Being written.
#include "config/detail/traefik_providers.hpp"

namespace bridge::config::detail {

Result<std::vector<Dynamic>> kubernetes_provider(ProviderContext& context) {
  return context.sources.error(context.at + ".type: kubernetes is not built yet",
                               context.source.origin);
}

}  // namespace bridge::config::detail
