// MXNet symbol JSON: Symbol::from_json, then what loading a checkpoint does
// next (the argument lists and shape inference from an MNIST-sized batch),
// where out-of-range attributes must be refused before anything is sized.
#include "fitbench/error.h"
#include "fitbench/executor.h"
#include "fitbench/symbol.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fitbench;
  try {
    const Symbol symbol = Symbol::from_json(std::string(fuzz::as_view(data, size)), "fuzz-symbol.json");
    symbol.list_arguments();
    symbol.list_auxiliary_states();
    symbol.list_outputs();
    symbol.to_json();
    infer_shapes(symbol, {{"data", Shape{2, 1, 28, 28}}, {"softmax_label", Shape{2}}});
  } catch (const Error&) {
  }
  return 0;
}
