// MXNet's NDArray list files (.params): load_ndarray_list, then the float32
// conversion every loaded array goes through.
#include "fitbench/error.h"
#include "fitbench/ndarray_file.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fitbench;
  const std::string path = fuzz::write_input("fuzz.params", fuzz::as_view(data, size));
  try {
    for (const Tensor& array : load_ndarray_list(path).arrays) to_float32(array);
  } catch (const Error&) {
  }
  return 0;
}
