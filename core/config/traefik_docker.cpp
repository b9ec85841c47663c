// type = "docker-labels" (detail/traefik_providers.hpp). Being written.
#include "config/detail/traefik_providers.hpp"

namespace bridge::config::detail {

Result<std::vector<Dynamic>> docker_labels_provider(ProviderContext& context) {
  return context.sources.error(context.at + ".type: docker-labels is not built yet",
                               context.source.origin);
}

}  // namespace bridge::config::detail
