#pragma once
/// Everything an integration test needs: temp dirs, ports, processes, clients and peers.

#include "backend.hpp"
#include "bridge_process.hpp"
#include "chromium.hpp"
#include "net.hpp"
#include "nginx.hpp"
#include "process.hpp"
#include "raw_client.hpp"
#include "sha256.hpp"
#include "temp_dir.hpp"
#include "tmux.hpp"
#include "websocket.hpp"
