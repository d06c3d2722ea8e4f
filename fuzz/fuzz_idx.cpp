// idx image and label files (MNIST / Fashion-MNIST, raw or gzip): load_idx.
// Input: a little-endian u16 n, then n bytes of the images file, then the
// labels file.
#include "fitbench/data_iter.h"
#include "fitbench/error.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fitbench;
  if (size < 2) return 0;
  const size_t images_size = std::min<size_t>(data[0] | (data[1] << 8), size - 2);
  const std::string_view rest = fuzz::as_view(data + 2, size - 2);
  const std::string images = fuzz::write_input("images-idx3-ubyte", rest.substr(0, images_size));
  const std::string labels = fuzz::write_input("labels-idx1-ubyte", rest.substr(images_size));
  try {
    idx_image_dims(images);
    load_idx(images, labels);
  } catch (const Error&) {
  }
  return 0;
}
