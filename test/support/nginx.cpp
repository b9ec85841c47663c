#include "nginx.hpp"

#include "net.hpp"

#include <signal.h>
#include <unistd.h>

#include <filesystem>

namespace bridge::test {

namespace {
constexpr const char* nginx_bin = "/usr/sbin/nginx";

// `tls`: extra lines of the server block (a TLS listen and its certificate), or empty.
std::string config_text(const std::string& prefix, uint16_t port, const std::string& tls) {
  std::string p = prefix;
  return "daemon off;\n"
         "master_process off;\n"
         "worker_processes 1;\n"
         "error_log " +
         p +
         "/error.log warn;\n"
         "pid " +
         p +
         "/nginx.pid;\n"
         "events { worker_connections 512; }\n"
         "http {\n"
         "  access_log off;\n"
         "  client_body_temp_path " +
         p +
         "/tmp/body;\n"
         "  proxy_temp_path " +
         p +
         "/tmp/proxy;\n"
         "  fastcgi_temp_path " +
         p +
         "/tmp/fastcgi;\n"
         "  uwsgi_temp_path " +
         p +
         "/tmp/uwsgi;\n"
         "  scgi_temp_path " +
         p +
         "/tmp/scgi;\n"
         "  sendfile on;\n"
         "  keepalive_timeout 60s;\n"
         "  keepalive_requests 100000;\n"
         "  default_type application/octet-stream;\n"
         "  types { application/json json; text/html html; image/png png; }\n"
         "  server {\n"
         "    listen 127.0.0.1:" +
         std::to_string(port) + ";\n" + tls +
         "    server_name localhost;\n"
         "    root " +
         p +
         "/www;\n"
         "    location = /conn { default_type text/plain; return 200 \"$connection\"; }\n"
         "    location = /tls-session { default_type text/plain; return 200 "
         "\"$ssl_session_reused\"; }\n"
         "    location = /headers {\n"
         "      default_type text/plain;\n"
         "      add_header X-Seen-Request-Id \"$http_x_request_id\" always;\n"
         "      add_header X-Seen-Traceparent \"$http_traceparent\" always;\n"
         "      add_header X-Seen-Host \"$http_host\" always;\n"
         "      return 200 \"request_id=$http_x_request_id\\ntraceparent=$http_traceparent\\n"
         "host=$http_host\\nuri=$request_uri\\nconnection=$connection\\n\";\n"
         "    }\n"
         "    location / { }\n"
         "  }\n"
         "}\n";
}
}  // namespace

const std::string& nginx_hello_body() {
  static const std::string body = "hello from nginx\n";
  return body;
}

bool nginx_available() { return ::access(nginx_bin, X_OK) == 0; }

Nginx::Nginx() {
  for (const char* d : {"tmp", "www", "logs"}) std::filesystem::create_directories(dir_ / d);
  write_file(root() + "/hello.txt", nginx_hello_body());
}

Nginx::~Nginx() { stop(); }

bool Nginx::start(std::string* error) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = free_port();
    std::string tls;
    if (!tls_cert_.empty()) {
      tls_port_ = free_port();
      tls = "    listen 127.0.0.1:" + std::to_string(tls_port_) + " ssl;\n" +
            "    ssl_certificate " + tls_cert_ + ";\n    ssl_certificate_key " + tls_key_ + ";\n";
    }
    write_file(dir_ / "nginx.conf", config_text(dir_.path(), port_, tls));
    process_ = std::make_unique<Process>(std::vector<std::string>{
        nginx_bin, "-e", dir_ / "error.log", "-p", dir_.path() + "/", "-c", dir_ / "nginx.conf"});
    if (wait_for_port(port_, std::chrono::seconds(5)) &&
        (tls.empty() || wait_for_port(tls_port_, std::chrono::seconds(5)))) {
      return true;
    }
    process_->kill();
  }
  if (error != nullptr) {
    *error = "nginx did not start: " + read_file(dir_ / "error.log") + process_->stderr_text();
  }
  return false;
}

void Nginx::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  if (!process_->wait_exit(std::chrono::seconds(2))) process_->kill();
  process_.reset();
}

std::string Nginx::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string Nginx::tls_url() const { return "https://127.0.0.1:" + std::to_string(tls_port_); }

}  // namespace bridge::test
