#pragma once
/// The `bridge cert` subcommands, one file each (cert_*.cpp); cert.cpp wires them together.

#include "commands.hpp"
#include "common/error.hpp"

#include <ctime>
#include <string>

namespace bridge::cli {

void setup_cert_ca(CLI::App& cert, Action& action);
void setup_cert_issue(CLI::App& cert, Action& action);
void setup_cert_inspect(CLI::App& cert, Action& action);
void setup_cert_trust(CLI::App& cert, Action& action);
void setup_cert_acme(CLI::App& cert, Action& action);

/// Prints `error` and returns its exit status.
int cert_fail(const Error& error);
/// "2025-01-31"
std::string cert_date(std::time_t t);
/// "label       value" with the label padded to a column.
std::string cert_row(const std::string& label, const std::string& value);

}  // namespace bridge::cli
