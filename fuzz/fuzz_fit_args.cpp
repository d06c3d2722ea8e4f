// fit.py command lines: split_command_line (the application's argument box),
// parse_command_line, and the FitConfig fit() resolves from them. --help is
// HelpRequested, which the programs answer with the help text.
#include <nlohmann/json.hpp>

#include "fitbench/error.h"
#include "fitbench/fit_args.h"
#include "fitbench/fit_config.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fitbench;
  try {
    const FitArgs args = parse_command_line(split_command_line(std::string(fuzz::as_view(data, size))));
    FitConfig::resolve(args).run_directory();
    args.to_json();
  } catch (const Error&) {
  } catch (const HelpRequested&) {
  }
  return 0;
}
