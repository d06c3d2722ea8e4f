// fitbench's training state files (.states): load_training_state.
#include "fitbench/error.h"
#include "fitbench/ndarray_file.h"
#include "fitbench/training_state.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fitbench;
  const std::string path = fuzz::write_input("fuzz.states", fuzz::as_view(data, size));
  try {
    load_training_state(path);
  } catch (const Error&) {
  }
  return 0;
}
