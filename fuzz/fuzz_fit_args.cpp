// fit.py command lines: split_command_line (the application's argument box),
// parse_command_line and the derived values fit() reads first. --help is
// HelpRequested, which the programs answer with the help text.
#include <nlohmann/json.hpp>

#include "fitbench/error.h"
#include "fitbench/fit_args.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fitbench;
  try {
    const FitArgs args = parse_command_line(split_command_line(std::string(fuzz::as_view(data, size))));
    num_classes(args);
    lr_step_epochs_power(args.get_string("lr-step-epochs"));
    args.to_json();
  } catch (const Error&) {
  } catch (const HelpRequested&) {
  }
  return 0;
}
