// MNIST / Fashion-MNIST idx files: a big-endian header (magic 0x00000803 and
// count, rows, cols for images; 0x00000801 and count for labels), then one
// byte per pixel or label. Usually gzip-compressed.
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fitbench/data_iter.h"
#include "io/binary_io.h"

namespace fitbench {
namespace {

constexpr uint32_t kLabelMagic = 0x00000801;
constexpr uint32_t kImageMagic = 0x00000803;

// The file decompressed, whole or its first `most` bytes. gzread passes a
// file without the gzip magic (1f 8b) through unchanged, so one reader serves
// compressed and raw files.
std::vector<uint8_t> read_idx_bytes(const std::string& path, size_t most = SIZE_MAX) {
  errno = 0;
  const std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) fail("cannot open the idx file ", path, ": ", errno ? std::strerror(errno) : "out of memory");
  // Reads grow with the file (64 KiB, then as much again as read so far, up
  // to 1 MiB at a time), so a small file costs no megabyte-sized buffer.
  constexpr size_t kFirstChunk = 1u << 16, kMostChunk = 1u << 20;
  std::vector<uint8_t> bytes;
  for (;;) {
    const size_t have = bytes.size();
    const unsigned chunk =
        static_cast<unsigned>(std::min({std::clamp(have, kFirstChunk, kMostChunk), most - have}));
    bytes.resize(have + chunk);
    const int n = gzread(file.get(), bytes.data() + have, chunk);
    if (n < 0) {
      int code = Z_OK;
      const char* message = gzerror(file.get(), &code);
      fail("cannot read the idx file ", path, ": ", code == Z_ERRNO ? std::strerror(errno) : message);
    }
    bytes.resize(have + static_cast<size_t>(n));
    // A gzip stream cut short also ends here (gzerror says Z_BUF_ERROR); the
    // length check against the header then reports the truncation.
    if (n == 0 || bytes.size() == most) return bytes;
  }
}

uint32_t big_endian_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | static_cast<uint32_t>(p[3]);
}

// Checks the magic and, for a `whole` file, the length of an idx file with
// `ndim` dimensions and returns the dimensions (the count first).
std::vector<uint32_t> check_idx_header(const std::vector<uint8_t>& bytes, const std::string& path,
                                       uint32_t magic, int ndim, bool whole = true) {
  const char* kind = magic == kImageMagic ? "image" : "label";
  const auto require = [&](uint64_t expected, const char* what) {
    if (bytes.size() < expected)
      fail(path, ": truncated idx ", kind, " file: expected ", expected, " bytes (", what, "), found ",
           bytes.size());
  };
  require(4, "the magic number");
  const uint32_t found = big_endian_u32(bytes.data());
  if (found != magic) {
    const bool swapped = found == (magic == kImageMagic ? kLabelMagic : kImageMagic);
    fail(path, ": not an idx ", kind, " file: its magic number is ", io::hex(found, 8), ", expected ",
         io::hex(magic, 8), swapped ? " (are the image and label files swapped?)" : "");
  }
  const uint64_t header_bytes = 4 + 4 * static_cast<uint64_t>(ndim);
  require(header_bytes, "the header");
  std::vector<uint32_t> dims;
  uint64_t expected = 1;
  bool overflow = false;
  for (int i = 0; i < ndim; ++i) {
    dims.push_back(big_endian_u32(bytes.data() + 4 + 4 * i));
    overflow |= __builtin_mul_overflow(expected, dims.back(), &expected);
  }
  overflow |= __builtin_add_overflow(expected, header_bytes, &expected);
  if (overflow) fail(path, ": damaged idx header: its dimensions describe more than 2^64 bytes");
  if (whole)
    require(expected,
            ndim == 3 ? "the header and count x rows x cols pixels" : "the header and count labels");
  return dims;
}

}  // namespace

IdxDataset load_idx(const std::string& images_path, const std::string& labels_path) {
  const std::vector<uint8_t> image_bytes = read_idx_bytes(images_path);
  const std::vector<uint32_t> image_dims = check_idx_header(image_bytes, images_path, kImageMagic, 3);
  const std::vector<uint8_t> label_bytes = read_idx_bytes(labels_path);
  const std::vector<uint32_t> label_dims = check_idx_header(label_bytes, labels_path, kLabelMagic, 1);
  if (image_dims[0] != label_dims[0])
    fail("the idx files do not match: ", images_path, " holds ", image_dims[0], " images but ", labels_path,
         " holds ", label_dims[0], " labels");

  const int64_t count = image_dims[0];
  IdxDataset set;
  set.images = Tensor(Shape{count, 1, image_dims[1], image_dims[2]});
  const uint8_t* pixels = image_bytes.data() + 16;
  float* images = set.images.f32();
  // As fit.py's MNIST reader: float32(pixel) / 255.
  for (int64_t i = 0; i < set.images.size(); ++i) images[i] = static_cast<float>(pixels[i]) / 255.0f;
  set.labels = Tensor(Shape{count});
  const uint8_t* raw_labels = label_bytes.data() + 8;
  float* labels = set.labels.f32();
  for (int64_t i = 0; i < count; ++i) labels[i] = static_cast<float>(raw_labels[i]);
  return set;
}

std::vector<int64_t> idx_image_dims(const std::string& images_path) {
  const std::vector<uint32_t> dims =
      check_idx_header(read_idx_bytes(images_path, 16), images_path, kImageMagic, 3, false);
  return {dims[0], dims[1], dims[2]};
}

std::string default_fashion_mnist_dir() {
  const char* dir = std::getenv("FITBENCH_FASHION_MNIST_DIR");
  return dir && *dir ? dir : "/usr/share/datasets/fashion-mnist";
}

const std::vector<std::string>& fashion_mnist_class_names() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

}  // namespace fitbench
