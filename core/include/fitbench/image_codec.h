// Images in memory (8-bit, height x width x channels) and their JPEG / PNG
// encoding: libjpeg-turbo for JPEG, libpng for PNG.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fitbench/error.h"

namespace fitbench {

struct Image {
  int height = 0;
  int width = 0;
  int channels = 0;             // 1 (gray) or 3 (RGB)
  std::vector<uint8_t> pixels;  // row-major HWC

  Image() = default;
  Image(int h, int w, int c) : height(h), width(w), channels(c), pixels(size_t(h) * size_t(w) * size_t(c)) {}
  uint8_t* at(int y, int x) { return pixels.data() + (size_t(y) * size_t(width) + size_t(x)) * size_t(channels); }
  const uint8_t* at(int y, int x) const {
    return pixels.data() + (size_t(y) * size_t(width) + size_t(x)) * size_t(channels);
  }
};

// An image that cannot be decoded. Data iterators skip such samples with a
// warning, while other errors (an unreadable file, a corrupt .rec) stop them.
class ImageDecodeError : public Error {
 public:
  using Error::Error;
};

// The most pixels an image may have (--max-image-pixels). A header can claim
// any size, and 100000x100000 would need 30 GB, so larger images are refused
// from their header, before anything is allocated.
inline constexpr int64_t kDefaultMaxImagePixels = 64'000'000;

// Decodes a JPEG or PNG (told apart by their signatures). `channels` 1 gives
// gray, 3 gives RGB, 0 keeps the stored colour (gray stays gray, anything else
// becomes RGB; alpha is dropped). Throws ImageDecodeError naming `source`, also
// for an image of more than `max_pixels` pixels.
Image decode_image(const void* data, size_t size, int channels, const std::string& source,
                   int64_t max_pixels = kDefaultMaxImagePixels);
// Reads and decodes an image file; a missing file is an ImageDecodeError too.
Image read_image_file(const std::string& path, int channels, int64_t max_pixels = kDefaultMaxImagePixels);

// quality 1..100.
std::string encode_jpeg(const Image& image, int quality);
// level: zlib compression level 0..9.
std::string encode_png(const Image& image, int level);

// Gray from RGB with the ITU-R 601 weights OpenCV and PIL use.
Image to_gray(const Image& rgb);
Image to_rgb(const Image& gray);

}  // namespace fitbench
